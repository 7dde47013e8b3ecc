namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>The status LED (a GPIO output on a board): steady, dark, or a repeating blink pattern that runs on its own.</summary>
    public interface ILed
    {
        void On();

        void Off();

        /// <summary>Repeats durations in milliseconds, even entries lit and odd entries dark, until told otherwise.</summary>
        void SetPattern(int[] durations);
    }
}
