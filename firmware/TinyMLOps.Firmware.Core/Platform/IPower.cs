using TinyMLOps.Shared.Protocol;
namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>The power-detect input and the battery gauge.</summary>
    public interface IPower
    {
        /// <summary>A <see cref="PowerSource"/> value.</summary>
        int Source { get; }

        /// <summary>0-100, or -1 when the board has no battery gauge.</summary>
        int BatteryPercent { get; }
    }
}
