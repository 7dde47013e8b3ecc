using System;

namespace TinyMLOps.Shared.Drift
{
    /// <summary>
    /// Drift scores between an observed and a reference histogram, and the Laplace noise of the uploads. Free
    /// functions in double precision, the same code on the device and the host. Both histograms are read over the same
    /// range [offset, offset + length) (one input group, or the whole class or confidence histogram).
    /// </summary>
    public static class DriftMath
    {
        /// <summary>Proportion given to an empty bin, so PSI stays finite.</summary>
        public const double EmptyBinProportion = 1e-4;

        /// <summary>A score field's value when the score was not computed.</summary>
        public const int NotComputed = 0xFFFF;

        private const double Ln2 = 0.69314718055994530942;

        /// <summary>
        /// Population stability index: sum over bins of (p - q) * ln(p / q) of the observed and reference proportions,
        /// an empty bin counted as <see cref="EmptyBinProportion"/>. 0 when either side has no counts.
        /// </summary>
        public static double Psi(uint[] observed, uint[] reference, int offset, int length)
        {
            double observedTotal = Total(observed, offset, length);
            double referenceTotal = Total(reference, offset, length);
            if (observedTotal == 0 || referenceTotal == 0)
            {
                return 0;
            }

            double psi = 0;
            for (int i = offset; i < offset + length; i++)
            {
                double p = observed[i] == 0 ? EmptyBinProportion : observed[i] / observedTotal;
                double q = reference[i] == 0 ? EmptyBinProportion : reference[i] / referenceTotal;
                psi += (p - q) * Math.Log(p / q);
            }

            return psi;
        }

        /// <summary>Jensen-Shannon divergence in bits, in [0, 1]. 0 when either side has no counts.</summary>
        public static double JensenShannon(uint[] observed, uint[] reference, int offset, int length)
        {
            double observedTotal = Total(observed, offset, length);
            double referenceTotal = Total(reference, offset, length);
            if (observedTotal == 0 || referenceTotal == 0)
            {
                return 0;
            }

            double sum = 0;
            for (int i = offset; i < offset + length; i++)
            {
                double p = observed[i] / observedTotal;
                double q = reference[i] / referenceTotal;
                double m = (p + q) / 2;
                if (p > 0)
                {
                    sum += p * Math.Log(p / m);
                }

                if (q > 0)
                {
                    sum += q * Math.Log(q / m);
                }
            }

            double js = sum / (2 * Ln2);
            return js < 0 ? 0 : (js > 1 ? 1 : js);
        }

        /// <summary>A score times 1000, rounded, in 0..65534; <see cref="NotComputed"/> for NaN.</summary>
        public static int Milli(double score)
        {
            if (double.IsNaN(score))
            {
                return NotComputed;
            }

            double milli = Math.Round(score * 1000);
            if (milli <= 0)
            {
                return 0;
            }

            return milli >= NotComputed - 1 ? NotComputed - 1 : (int)milli;
        }

        /// <summary>
        /// Laplace scale of the upload noise: one sample moves one count in each of the F input groups (per group
        /// unit), the class and the confidence histograms, so F + 2 counts over epsilon.
        /// </summary>
        public static double NoiseScale(int groups, double epsilon)
        {
            return (groups + 2) / epsilon;
        }

        /// <summary>Laplace(0, scale) by the inverse CDF of a uniform draw u in [0, 1).</summary>
        public static double Laplace(double u, double scale)
        {
            double d = u - 0.5;
            double tail = 1 - (2 * (d < 0 ? -d : d));
            if (tail <= 0)
            {
                // u == 0 exactly: the far left tail, kept finite.
                tail = 1e-30; // float-representable: logf(1e-300f) would be -inf on single-precision boards
            }

            double magnitude = -scale * Math.Log(tail);
            return d < 0 ? -magnitude : magnitude;
        }

        /// <summary>count + noise, rounded, clamped to 0..max.</summary>
        public static uint Noised(uint count, double noise, uint max)
        {
            double v = Math.Round(count + noise);
            if (v <= 0)
            {
                return 0;
            }

            return v >= max ? max : (uint)v;
        }

        private static double Total(uint[] counts, int offset, int length)
        {
            double total = 0;
            for (int i = offset; i < offset + length; i++)
            {
                total += counts[i];
            }

            return total;
        }
    }
}
