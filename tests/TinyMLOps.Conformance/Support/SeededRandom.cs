using System;

namespace TinyMLOps.Conformance.Support
{
    /// <summary>
    /// A System.Random whose draws come from <see cref="Rng"/>'s xorshift, so code that takes a Random (drift sampling
    /// and noise, stochastic rounding, the trainer's shuffle) sees the same sequence on nanoCLR and .NET. Next, Next(int),
    /// NextDouble and NextBytes are virtual in nanoFramework's mscorlib as in .NET's; the members .NET adds
    /// (Next(int, int), NextInt64, Sample) are overridden too on .NET, so nothing falls through to the base sequence.
    /// </summary>
    public sealed class SeededRandom : Random
    {
        private readonly Rng _rng;

        public SeededRandom(int seed)
            : base(seed)
        {
            _rng = new Rng(seed);
        }

        /// <summary>A value in [0, int.MaxValue): the top 31 bits.</summary>
        public override int Next()
        {
            return (int)(_rng.NextUInt() >> 1);
        }

        /// <summary>A value in [0, maxValue): one 32-bit draw scaled by multiply and shift (no division).</summary>
        public override int Next(int maxValue)
        {
            if (maxValue < 0)
            {
                throw new ArgumentOutOfRangeException("maxValue", "negative");
            }

            return (int)(((ulong)_rng.NextUInt() * (uint)maxValue) >> 32);
        }

        /// <summary>A value in [0, 1) from 24 random bits: exact in double, and in float on single-precision boards.</summary>
        public override double NextDouble()
        {
            return (int)(_rng.NextUInt() >> 8) / 16777216.0;
        }

        public override void NextBytes(byte[] buffer)
        {
            _rng.NextBytes(buffer);
        }

#if !NANOFRAMEWORK_1_0
        public override int Next(int minValue, int maxValue)
        {
            if (minValue > maxValue)
            {
                throw new ArgumentOutOfRangeException("minValue", "above maxValue");
            }

            return minValue + (int)(((ulong)_rng.NextUInt() * (ulong)((long)maxValue - minValue)) >> 32);
        }

        public override long NextInt64()
        {
            throw new NotSupportedException("not on nanoFramework");
        }

        public override float NextSingle()
        {
            throw new NotSupportedException("not on nanoFramework");
        }

        protected override double Sample()
        {
            return NextDouble();
        }
#endif
    }
}
