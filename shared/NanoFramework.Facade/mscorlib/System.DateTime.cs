// Declaration-only facade of nanoFramework mscorlib 1.17: System.DateTime, as far as the device clock reads it.

namespace System
{
    public struct DateTime
    {
        public static DateTime UtcNow
        {
            get { throw null; }
        }

        public int Year
        {
            get { throw null; }
        }

        public long Ticks
        {
            get { throw null; }
        }

        public long ToUnixTimeSeconds()
        {
            throw null;
        }
    }
}
