using System;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// Real FFT of a power-of-two size n (16..4096) in integers: an n/2-point complex radix-2 FFT of the even and odd
    /// samples, then the split into the n/2 + 1 bins of the real input. Data are int32 and never scaled (the output is
    /// the plain DFT, X[k] = Σ x[t] e^(-2πikt/n), each product rounded once): every intermediate component is at most
    /// Σ|x|, so the caller keeps Σ|x| below 2^30. Twiddles are Q30 from <see cref="FixedMath"/>, so the table and
    /// every output are the same integers on every runtime. Allocation-free after construction.
    /// </summary>
    public sealed class FixedFft
    {
        public const int MinSize = 16;
        public const int MaxSize = 4096;

        /// <summary>The caller's bound on Σ|x|.</summary>
        public const int MaxAbsSum = 1 << 30;

        private readonly int _n;
        private readonly int _half;
        private readonly int[] _cos;
        private readonly int[] _sin;
        private readonly int[] _bitReverse;

        public FixedFft(int n)
        {
            if (n < MinSize || n > MaxSize || (n & (n - 1)) != 0)
            {
                throw new ArgumentException("FFT size " + n + " is not a power of two from " + MinSize + " to " + MaxSize);
            }

            _n = n;
            _half = n / 2;
            _cos = new int[_half];
            _sin = new int[_half];
            for (int k = 0; k < _half; k++)
            {
                _cos[k] = FixedMath.CosTurnQ30(k, n);
                _sin[k] = FixedMath.SinTurnQ30(k, n);
            }

            int bits = 0;
            while ((1 << bits) < _half)
            {
                bits++;
            }

            _bitReverse = new int[_half];
            for (int i = 0; i < _half; i++)
            {
                int r = 0;
                for (int b = 0; b < bits; b++)
                {
                    r |= ((i >> b) & 1) << (bits - 1 - b);
                }

                _bitReverse[i] = r;
            }
        }

        public int Size
        {
            get { return _n; }
        }

        /// <summary>The tables, for a front-end backend: cos and sin of 2πk/n (Q30) and the bit reversal, n/2 each.</summary>
        internal int[] Cos
        {
            get { return _cos; }
        }

        internal int[] Sin
        {
            get { return _sin; }
        }

        internal int[] BitReverse
        {
            get { return _bitReverse; }
        }

        /// <summary>Bytes of the twiddle and bit-reversal tables.</summary>
        public int TableBytes
        {
            get { return 12 * _half; }
        }

        /// <summary>
        /// Transforms x[offset .. offset + n) into re[0 .. n/2] and im[0 .. n/2] (arrays of at least n/2 + 1, used as
        /// the working buffers too).
        /// </summary>
        public void Forward(int[] x, int offset, int[] re, int[] im)
        {
            int m = _half;
            int[] cos = _cos;
            int[] sin = _sin;
            int[] rev = _bitReverse;
            for (int i = 0; i < m; i++)
            {
                int j = rev[i];
                re[j] = x[offset + (2 * i)];
                im[j] = x[offset + (2 * i) + 1];
            }

            // Radix-2 decimation in time: W = cos θ - i sin θ, θ = 2π j / size = 2π (j · n / size) / n.
            for (int size = 2; size <= m; size <<= 1)
            {
                int span = size >> 1;
                int step = _n / size;
                for (int j = 0; j < span; j++)
                {
                    long c = cos[j * step];
                    long s = sin[j * step];
                    for (int a = j; a < m; a += size)
                    {
                        int b = a + span;
                        long br = re[b];
                        long bi = im[b];
                        int tr = (int)(((br * c) + (bi * s) + (1L << 29)) >> 30);
                        int ti = (int)(((bi * c) - (br * s) + (1L << 29)) >> 30);
                        int ar = re[a];
                        int ai = im[a];
                        re[a] = ar + tr;
                        im[a] = ai + ti;
                        re[b] = ar - tr;
                        im[b] = ai - ti;
                    }
                }
            }

            // Split: Z = E + iO (E, O the spectra of the even and odd samples), X[k] = E[k] + W^k O[k].
            int z0r = re[0];
            int z0i = im[0];
            re[0] = z0r + z0i;
            im[0] = 0;
            re[m] = z0r - z0i;
            im[m] = 0;
            for (int k = 1; k <= m / 2; k++)
            {
                int q = m - k;
                long ar = (long)re[k] + re[q];
                long ai = (long)im[k] - im[q];
                long dr = (long)re[k] - re[q];
                long di = (long)im[k] + im[q];
                long c = cos[k];
                long s = sin[k];
                long u = ((di * c) - (dr * s) + (1L << 29)) >> 30;
                long v = ((-dr * c) - (di * s) + (1L << 29)) >> 30;
                re[k] = (int)((ar + u + 1) >> 1);
                im[k] = (int)((ai + v + 1) >> 1);
                re[q] = (int)((ar - u + 1) >> 1);
                im[q] = (int)((-ai + v + 1) >> 1);
            }
        }
    }
}
