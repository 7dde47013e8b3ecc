// Declaration-only facade of nanoFramework mscorlib 1.17: System.TimeSpan, as far as the ESP32 sleep timer takes it.

namespace System
{
    public struct TimeSpan
    {
        public static TimeSpan FromSeconds(long value)
        {
            throw null;
        }
    }
}
