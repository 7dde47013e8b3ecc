namespace TinyMLOps.Shared.Util
{
    /// <summary>
    /// SHA-256 fed in pieces (<see cref="Sha256"/> needs the whole message in one array): a file read from flash in
    /// small chunks is hashed without holding it in RAM.
    /// </summary>
    public sealed class Sha256Hasher
    {
        private readonly uint[] _h = new uint[8];
        private readonly uint[] _w = new uint[64];
        private readonly byte[] _block = new byte[64];
        private int _filled;
        private long _length;

        public Sha256Hasher()
        {
            Reset();
        }

        public void Reset()
        {
            _h[0] = 0x6a09e667;
            _h[1] = 0xbb67ae85;
            _h[2] = 0x3c6ef372;
            _h[3] = 0xa54ff53a;
            _h[4] = 0x510e527f;
            _h[5] = 0x9b05688c;
            _h[6] = 0x1f83d9ab;
            _h[7] = 0x5be0cd19;
            _filled = 0;
            _length = 0;
        }

        public void Update(byte[] data, int offset, int count)
        {
            if (data == null || offset < 0 || count < 0 || offset > data.Length - count)
            {
                throw new System.ArgumentOutOfRangeException("offset", "the range is outside the data");
            }

            _length += count;
            int i = 0;
            if (_filled > 0)
            {
                while (i < count && _filled < 64)
                {
                    _block[_filled++] = data[offset + i++];
                }

                if (_filled < 64)
                {
                    return;
                }

                Sha256.Block(_h, _w, _block, 0);
                _filled = 0;
            }

            while (count - i >= 64)
            {
                Sha256.Block(_h, _w, data, offset + i);
                i += 64;
            }

            while (i < count)
            {
                _block[_filled++] = data[offset + i++];
            }
        }

        /// <summary>The digest of everything given since the last reset; the hasher is reset afterwards.</summary>
        public byte[] Final()
        {
            long bits = _length * 8;
            byte[] pad = new byte[_filled < 56 ? 64 - _filled : 128 - _filled];
            pad[0] = 0x80;
            for (int i = 0; i < 8; i++)
            {
                pad[pad.Length - 1 - i] = (byte)(bits >> (8 * i));
            }

            Update(pad, 0, pad.Length);
            byte[] digest = new byte[32];
            for (int i = 0; i < 8; i++)
            {
                digest[i * 4] = (byte)(_h[i] >> 24);
                digest[(i * 4) + 1] = (byte)(_h[i] >> 16);
                digest[(i * 4) + 2] = (byte)(_h[i] >> 8);
                digest[(i * 4) + 3] = (byte)_h[i];
            }

            Reset();
            return digest;
        }
    }
}
