namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The usual non-IID split of a labelled data set over clients (Hsu et al. 2019, "Measuring the effects of non-identical
/// data distribution"): for every class, draw the clients' shares from a symmetric Dirichlet(α) and cut that class's
/// shuffled samples by them. Small α gives each client a few dominant classes; large α approaches an IID split. Every
/// sample goes to exactly one client, and the split is a pure function of the labels, the client count, α and the seed.
/// </summary>
public static class DirichletSplit
{
    /// <summary>Redraws allowed to meet a minimum client size before giving up.</summary>
    public const int MaxAttempts = 1000;

    /// <summary>
    /// Partitions the indexes 0..labels.Count−1 over <paramref name="clients"/> clients. When
    /// <paramref name="minPerClient"/> is positive the whole split is redrawn (from the same seeded generator) until every
    /// client has at least that many samples, as common FL benchmarks do so no device is left without data.
    /// </summary>
    /// <returns>Per client, its sample indexes in ascending order.</returns>
    public static int[][] Partition(IReadOnlyList<byte> labels, int classCount, int clients, double alpha, int seed, int minPerClient = 0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clients);
        ArgumentOutOfRangeException.ThrowIfNegative(minPerClient);
        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be positive and finite.");
        }

        if ((long)minPerClient * clients > labels.Count)
        {
            throw new ArgumentException($"{labels.Count} samples cannot give {clients} clients {minPerClient} each.", nameof(minPerClient));
        }

        var byClass = new List<int>[classCount];
        for (int c = 0; c < classCount; c++)
        {
            byClass[c] = [];
        }

        for (int i = 0; i < labels.Count; i++)
        {
            int label = labels[i];
            if (label >= classCount)
            {
                throw new ArgumentException($"label {label} of sample {i} is outside 0..{classCount - 1}", nameof(labels));
            }

            byClass[label].Add(i);
        }

        var random = new Random(seed);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var parts = new List<int>[clients];
            for (int k = 0; k < clients; k++)
            {
                parts[k] = [];
            }

            for (int c = 0; c < classCount; c++)
            {
                int[] shuffled = [.. byClass[c]];
                random.Shuffle(shuffled);
                double[] shares = Dirichlet(random, alpha, clients);
                int[] cuts = Cuts(shares, shuffled.Length);
                for (int k = 0; k < clients; k++)
                {
                    for (int j = cuts[k]; j < cuts[k + 1]; j++)
                    {
                        parts[k].Add(shuffled[j]);
                    }
                }
            }

            if (parts.All(p => p.Count >= minPerClient))
            {
                return [.. parts.Select(p => p.Order().ToArray())];
            }
        }

        throw new InvalidOperationException($"no Dirichlet({alpha}) split in {MaxAttempts} draws gave every one of {clients} clients {minPerClient} samples");
    }

    /// <summary>A draw from the symmetric Dirichlet(α) over <paramref name="count"/> parts: independent Gamma(α, 1) draws, normalised.</summary>
    public static double[] Dirichlet(Random random, double alpha, int count)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var x = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            x[i] = Gamma(random, alpha);
            sum += x[i];
        }

        if (!(sum > 0))
        {
            // Every draw underflowed (only for tiny α): all the mass goes to one part, which is the limit α → 0.
            Array.Clear(x);
            x[random.Next(count)] = 1;
            return x;
        }

        for (int i = 0; i < count; i++)
        {
            x[i] /= sum;
        }

        return x;
    }

    /// <summary>
    /// A Gamma(shape, 1) draw by Marsaglia and Tsang (2000): for shape ≥ 1, d = shape − 1/3, c = 1/√(9d), repeat
    /// v = (1 + c·z)³ with z standard normal until log u &lt; z²/2 + d − d·v + d·log v, and return d·v. For shape &lt; 1,
    /// draw Gamma(shape + 1) and multiply by u^(1/shape), the boost of the same paper.
    /// </summary>
    public static double Gamma(Random random, double shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(shape > 0) || double.IsInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The shape must be positive and finite.");
        }

        if (shape < 1)
        {
            double u = 1.0 - random.NextDouble(); // (0, 1]
            return Gamma(random, shape + 1) * Math.Pow(u, 1.0 / shape);
        }

        double d = shape - (1.0 / 3.0);
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double z;
            double v;
            do
            {
                z = StandardNormal(random);
                v = 1.0 + (c * z);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * z * z) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>Per client, the share of its samples in its largest class (0 for an empty client): a skew measure.</summary>
    public static double[] MaxClassShares(int[][] parts, IReadOnlyList<byte> labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(labels);
        return [.. parts.Select(p =>
        {
            if (p.Length == 0)
            {
                return 0.0;
            }

            var counts = new int[classCount];
            foreach (int i in p)
            {
                counts[labels[i]]++;
            }

            return counts.Max() / (double)p.Length;
        })];
    }

    /// <summary>Cut points 0 = cuts[0] ≤ … ≤ cuts[k] = n from cumulative shares, rounded, so every item is assigned once.</summary>
    private static int[] Cuts(double[] shares, int n)
    {
        var cuts = new int[shares.Length + 1];
        double cumulative = 0;
        for (int k = 0; k < shares.Length; k++)
        {
            cumulative += shares[k];
            cuts[k + 1] = Math.Clamp((int)Math.Round(cumulative * n), cuts[k], n);
        }

        cuts[shares.Length] = n;
        return cuts;
    }

    private static double StandardNormal(Random random)
    {
        // Box–Muller, one half used: simpler to keep reproducible than a cached spare across calls.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
