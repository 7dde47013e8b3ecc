namespace TinyMLOps.Shared.Util
{
    /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zlib and Ethernet.</summary>
    public static class Crc32
    {
        private static uint[] _table;

        public static uint Compute(byte[] data, int offset, int count)
        {
            return Finish(Update(Start(), data, offset, count));
        }

        public static uint Start()
        {
            return 0xFFFFFFFFu;
        }

        public static uint Update(uint state, byte[] data, int offset, int count)
        {
            uint[] table = Table();
            int end = offset + count;
            for (int i = offset; i < end; i++)
            {
                state = table[(state ^ data[i]) & 0xFF] ^ (state >> 8);
            }

            return state;
        }

        public static uint Finish(uint state)
        {
            return state ^ 0xFFFFFFFFu;
        }

        private static uint[] Table()
        {
            if (_table == null)
            {
                uint[] table = new uint[256];
                for (uint n = 0; n < 256; n++)
                {
                    uint c = n;
                    for (int k = 0; k < 8; k++)
                    {
                        c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                    }

                    table[n] = c;
                }

                _table = table;
            }

            return _table;
        }
    }
}
