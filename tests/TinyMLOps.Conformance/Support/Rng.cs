namespace TinyMLOps.Conformance.Support
{
    /// <summary>
    /// A seeded xorshift32 generator. System.Random's sequence differs between nanoFramework and .NET, so tests that
    /// must see the same data on both runtimes draw from this.
    /// </summary>
    public sealed class Rng
    {
        private uint _state;

        public Rng(int seed)
        {
            _state = (uint)seed * 2654435761u;
            if (_state == 0)
            {
                _state = 0x9E3779B9;
            }
        }

        public uint NextUInt()
        {
            uint x = _state;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            _state = x;
            return x;
        }

        /// <summary>A value in [min, max).</summary>
        public int Next(int min, int max)
        {
            return min + (int)(NextUInt() % (uint)(max - min));
        }

        /// <summary>A float in [0, 1) from 24 random bits, exact on both runtimes.</summary>
        public float NextFloat()
        {
            return (NextUInt() >> 8) / 16777216f;
        }

        public void NextBytes(byte[] buffer)
        {
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = (byte)(NextUInt() >> 24);
            }
        }
    }
}
