using System;
using nanoFramework.Hardware.Esp32;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.App
{
    /// <summary>ESP32 deep sleep with a timer wake-up. The wake-up resets the chip, so the application starts again from Main.</summary>
    public sealed class Esp32Sleep : ISleep
    {
        public bool DeepSleep(int seconds)
        {
            if (Sleep.EnableWakeupByTimer(TimeSpan.FromSeconds(seconds)) != EspNativeError.OK)
            {
                return false;
            }

            Sleep.StartDeepSleep();

            // Not reached on an ESP32; anywhere else the board did not sleep.
            return false;
        }
    }
}
