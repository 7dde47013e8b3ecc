using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Fleet.Drift;

/// <summary>The PSI that sampling and upload noise alone produce for one score part: its mean and a high quantile.</summary>
public readonly record struct NoiseFloor(double Mean, double Quantile);

/// <summary>
/// Simulates the PSI of windows drawn from the reference itself, with the upload's Laplace noise, for one score
/// part (an input group, the classes or the confidences). Input groups are drawn as whole images (every value of an
/// image in one bin), an upper bound on the spread of correlated pixels, so the floor errs high. Seeded: the same
/// inputs give the same floor.
/// </summary>
public static class NoiseFloors
{
    /// <param name="reference">Reference counts of the part (offset, length).</param>
    /// <param name="unitsPerSample">Counts one sample adds to the part (values per region for an input group; 1 otherwise).</param>
    /// <param name="samples">Samples behind the observed window(s).</param>
    /// <param name="noiseScale">Laplace scale per count per window; 0 for no noise.</param>
    /// <param name="windows">Windows pooled (their noise adds up).</param>
    public static NoiseFloor Simulate(uint[] reference, int offset, int length, double unitsPerSample, long samples, double noiseScale, int windows, int simulations, double quantile, int seed)
    {
        var random = new Random(seed);
        double total = 0;
        for (int i = offset; i < offset + length; i++)
        {
            total += reference[i];
        }

        var p = new double[length];
        for (int i = 0; i < length; i++)
        {
            p[i] = total == 0 ? 1.0 / length : reference[offset + i] / total;
        }

        var observed = new uint[offset + length];
        var psi = new double[simulations];
        var counts = new double[length];
        for (int s = 0; s < simulations; s++)
        {
            Draw(p, samples, random, counts);
            for (int i = 0; i < length; i++)
            {
                double value = counts[i] * unitsPerSample;
                double noise = 0;
                if (noiseScale > 0)
                {
                    noise = windows == 1 ? DriftMath.Laplace(random.NextDouble(), noiseScale) : Math.Sqrt(2.0 * windows) * noiseScale * Gaussian(random);
                }

                observed[offset + i] = DriftMath.Noised((uint)Math.Min(uint.MaxValue, Math.Round(value)), noise, uint.MaxValue);
            }

            psi[s] = DriftMath.Psi(observed, reference, offset, length);
        }

        Array.Sort(psi);
        int q = Math.Clamp((int)Math.Ceiling(quantile * simulations) - 1, 0, simulations - 1);
        return new NoiseFloor(psi.Average(), psi[q]);
    }

    // Multinomial counts: exact draws for small samples, the normal approximation for large pools.
    private static void Draw(double[] p, long samples, Random random, double[] counts)
    {
        Array.Clear(counts);
        if (samples <= 4000)
        {
            for (long n = 0; n < samples; n++)
            {
                double u = random.NextDouble(), c = 0;
                int i = 0;
                while (i < p.Length - 1 && (c += p[i]) <= u)
                {
                    i++;
                }

                counts[i]++;
            }

            return;
        }

        for (int i = 0; i < p.Length; i++)
        {
            counts[i] = Math.Max(0, (samples * p[i]) + (Math.Sqrt(samples * p[i] * (1 - p[i])) * Gaussian(random)));
        }
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
