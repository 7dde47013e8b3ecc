// Declaration-only facade of nanoFramework mscorlib 1.17: System.BitConverter (little-endian on every target).

namespace System
{
    public static class BitConverter
    {
        public static byte[] GetBytes(float value)
        {
            throw null;
        }

        public static float ToSingle(byte[] value, int startIndex)
        {
            throw null;
        }
    }
}
