namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>What the device shows locally (a status LED on a board); the drift reporter sets the drift alarm on it.</summary>
    public interface IStatusIndicator
    {
        /// <summary>Called when the alarm changes, not on every poll.</summary>
        void SetAlarm(bool on);
    }
}
