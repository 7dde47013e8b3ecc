// Declaration-only facade of nanoFramework.Hardware.Esp32 1.6 (package nanoFramework.Hardware.Esp32): deep sleep
// with a timer wake-up. See shared/nanoframework-api/nanoFramework.Hardware.Esp32.txt.

namespace nanoFramework.Hardware.Esp32
{
    using System;

    public enum EspNativeError
    {
        OK = 0,
        FAIL = -1,
    }

    public class Sleep
    {
        public static EspNativeError EnableWakeupByTimer(TimeSpan time)
        {
            throw null;
        }

        public static void StartDeepSleep()
        {
        }
    }
}
