namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>The board's deepest power-saving state (ESP32 deep sleep). Waking up restarts the application from Main.</summary>
    public interface ISleep
    {
        /// <summary>
        /// Sleeps for the given time and wakes by timer. On a board this does not return (the wake-up is a reset); it
        /// returns false at once when the board cannot sleep, and true after a simulated sleep.
        /// </summary>
        bool DeepSleep(int seconds);
    }
}
