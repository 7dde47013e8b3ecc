namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// Integer-exact sine, cosine, log2 and square root for the front-ends' tables and features. System.Math is single
    /// precision on most boards and double on .NET, so anything that must give the same bytes on both is computed here
    /// with long arithmetic only (same integers on every runtime).
    /// </summary>
    public static class FixedMath
    {
        /// <summary>One in Q30.</summary>
        public const int OneQ30 = 1 << 30;

        /// <summary>ln 2 in Q30 (744261117.95 rounded).</summary>
        public const int Ln2Q30 = 744261118;

        // π/2 in Q40: 1.5707963267948966 · 2^40, rounded.
        private const long HalfPiQ40 = 1727108826179L;

        /// <summary>sin(2π · num / den) in Q30, den &gt; 0, |den| and |num mod den| below 2^22.</summary>
        public static int SinTurnQ30(long num, long den)
        {
            long r = num % den;
            if (r < 0)
            {
                r += den;
            }

            // Quadrant and the angle inside it, in [0, π/2).
            long quarter = 4 * r;
            int q = (int)(quarter / den);
            long rest = quarter - (q * den);
            long x = ((rest * HalfPiQ40 / den) + (1L << 9)) >> 10;
            switch (q)
            {
                case 0:
                    return (int)SinSeries(x);
                case 1:
                    return (int)CosSeries(x);
                case 2:
                    return (int)-SinSeries(x);
                default:
                    return (int)-CosSeries(x);
            }
        }

        /// <summary>cos(2π · num / den) in Q30.</summary>
        public static int CosTurnQ30(long num, long den)
        {
            // cos(θ) = sin(θ + π/2): a quarter turn is den/4 of a turn, exact when 4 · num is used.
            return SinTurnQ30((4 * num) + den, 4 * den);
        }

        /// <summary>log2(v) in Q(frac) for v ≥ 1, frac in 1..24: the integer part from the top bit, each fraction bit by squaring the mantissa (truncating, so deterministic).</summary>
        public static int Log2(long v, int frac)
        {
            if (v < 1)
            {
                return 0;
            }

            int e = 0;
            long t = v;
            while (t > 1)
            {
                t >>= 1;
                e++;
            }

            long m = e >= 30 ? v >> (e - 30) : v << (30 - e);
            int result = e << frac;
            for (int i = frac - 1; i >= 0; i--)
            {
                m = (m * m) >> 30;
                if (m >= (2L << 30))
                {
                    m >>= 1;
                    result |= 1 << i;
                }
            }

            return result;
        }

        /// <summary>floor(√v) for v ≥ 0 (bit by bit).</summary>
        public static long Sqrt(long v)
        {
            if (v <= 0)
            {
                return 0;
            }

            long result = 0;
            long bit = 1L << 62;
            while (bit > v)
            {
                bit >>= 2;
            }

            while (bit != 0)
            {
                if (v >= result + bit)
                {
                    v -= result + bit;
                    result = (result >> 1) + bit;
                }
                else
                {
                    result >>= 1;
                }

                bit >>= 2;
            }

            return result;
        }

        /// <summary>round(a · b / 2^30), ties up.</summary>
        public static long MulQ30(long a, long b)
        {
            return ((a * b) + (1L << 29)) >> 30;
        }

        // Taylor series in Q30 for x in [0, π/2]: the terms fall below one unit after about ten steps.
        private static long SinSeries(long x)
        {
            long x2 = MulQ30(x, x);
            long term = x;
            long sum = x;
            for (int n = 1; n < 12; n++)
            {
                term = -MulQ30(term, x2) / ((2 * n) * ((2 * n) + 1));
                if (term == 0)
                {
                    break;
                }

                sum += term;
            }

            return sum > OneQ30 ? OneQ30 : sum;
        }

        private static long CosSeries(long x)
        {
            long x2 = MulQ30(x, x);
            long term = OneQ30;
            long sum = OneQ30;
            for (int n = 1; n < 12; n++)
            {
                term = -MulQ30(term, x2) / (((2 * n) - 1) * (2 * n));
                if (term == 0)
                {
                    break;
                }

                sum += term;
            }

            return sum > OneQ30 ? OneQ30 : sum;
        }
    }
}
