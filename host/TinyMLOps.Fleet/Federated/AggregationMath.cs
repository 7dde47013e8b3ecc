namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// The aggregation math as free functions over lists of tensor sets (each a float[][] in the global model's tensor
/// order). Strategies compose these and never redo them. Sums run in double so that many clients of small deltas do
/// not lose precision in float. Inputs are never modified unless the name says so (AddGaussianNoiseInPlace).
/// </summary>
public static class AggregationMath
{
    /// <summary>Σ wᵢ·xᵢ / Σ wᵢ per coordinate. Weights must be non-negative with a positive sum.</summary>
    public static float[][] WeightedMean(IReadOnlyList<float[][]> sets, IReadOnlyList<double> weights)
    {
        CheckSets(sets);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count != sets.Count)
        {
            throw new ArgumentException("One weight per tensor set.", nameof(weights));
        }

        var total = 0.0;
        foreach (var w in weights)
        {
            if (!(w >= 0) || double.IsInfinity(w))
            {
                throw new ArgumentOutOfRangeException(nameof(weights), w, "Weights must be finite and non-negative.");
            }

            total += w;
        }

        if (total <= 0)
        {
            throw new ArgumentException("The weights sum to zero.", nameof(weights));
        }

        var result = ZerosLike(sets[0]);
        for (var t = 0; t < result.Length; t++)
        {
            var acc = new double[result[t].Length];
            for (var s = 0; s < sets.Count; s++)
            {
                var w = weights[s];
                var x = sets[s][t];
                for (var i = 0; i < acc.Length; i++)
                {
                    acc[i] += w * x[i];
                }
            }

            for (var i = 0; i < acc.Length; i++)
            {
                result[t][i] = (float)(acc[i] / total);
            }
        }

        return result;
    }

    /// <summary>Unweighted mean per coordinate.</summary>
    public static float[][] Mean(IReadOnlyList<float[][]> sets) => WeightedMean(sets, Enumerable.Repeat(1.0, sets?.Count ?? 0).ToArray());

    /// <summary>
    /// Coordinate-wise median (unweighted, as in Flower's FedMedian): for an even count, the mean of the middle two.
    /// </summary>
    public static float[][] CoordinateMedian(IReadOnlyList<float[][]> sets) => PerCoordinate(sets, sorted =>
    {
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    });

    /// <summary>
    /// Coordinate-wise trimmed mean: per coordinate, sort the values, drop the ⌊β·n⌋ lowest and ⌊β·n⌋ highest, and
    /// average the rest (unweighted, as in Flower's FedTrimmedAvg). β is the fraction cut per side, in [0, 0.5).
    /// </summary>
    public static float[][] CoordinateTrimmedMean(IReadOnlyList<float[][]> sets, double beta)
    {
        CheckSets(sets);
        var k = TrimCount(sets.Count, beta);
        return PerCoordinate(sets, sorted =>
        {
            var sum = 0.0;
            for (var i = k; i < sorted.Length - k; i++)
            {
                sum += sorted[i];
            }

            return sum / (sorted.Length - (2 * k));
        });
    }

    /// <summary>Values cut per side by a trimmed mean of <paramref name="count"/> values at fraction β; at least one value stays.</summary>
    public static int TrimCount(int count, double beta)
    {
        if (!(beta >= 0 && beta < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The trim fraction per side must be in [0, 0.5).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        // β < 0.5 gives n − 2⌊βn⌋ ≥ 1, so the mean always has something left.
        return (int)Math.Floor(beta * count);
    }

    /// <summary>The L2 norm over all tensors of a set together (the whole update as one vector).</summary>
    public static double L2Norm(float[][] set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var sum = 0.0;
        foreach (var tensor in set)
        {
            foreach (var v in tensor)
            {
                sum += (double)v * v;
            }
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// A copy scaled by min(1, C/‖x‖₂) so its L2 norm is at most <paramref name="maxNorm"/>; the direction is kept.
    /// </summary>
    public static float[][] ClipToNorm(float[][] set, double maxNorm, out bool clipped)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The clipping norm must be positive and finite.");
        }

        var norm = L2Norm(set);
        clipped = norm > maxNorm;
        return Scale(set, clipped ? maxNorm / norm : 1.0);
    }

    /// <summary>A copy with L2 norm at most <paramref name="maxNorm"/>.</summary>
    public static float[][] ClipToNorm(float[][] set, double maxNorm) => ClipToNorm(set, maxNorm, out _);

    /// <summary>
    /// Adds independent N(0, std²) noise to every coordinate, in place, drawn from <paramref name="random"/> (a
    /// <see cref="Security.CryptoRandom"/> when the noise protects someone). Box–Muller on two uniforms, both halves used.
    /// </summary>
    public static void AddGaussianNoiseInPlace(float[][] set, double std, Random random)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(random);
        if (!(std >= 0) || double.IsInfinity(std))
        {
            throw new ArgumentOutOfRangeException(nameof(std), std, "The noise standard deviation must be finite and non-negative.");
        }

        double? spare = null;
        foreach (var tensor in set)
        {
            for (var i = 0; i < tensor.Length; i++)
            {
                double z;
                if (spare is { } s)
                {
                    z = s;
                    spare = null;
                }
                else
                {
                    // 1 − NextDouble() is in (0, 1], so the log is finite.
                    var r = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
                    var theta = 2.0 * Math.PI * random.NextDouble();
                    z = r * Math.Cos(theta);
                    spare = r * Math.Sin(theta);
                }

                tensor[i] = (float)(tensor[i] + (std * z));
            }
        }
    }

    /// <summary>a + scale·b per coordinate, as a new set (applies a server step to the global model).</summary>
    public static float[][] AddScaled(float[][] a, float[][] b, double scale)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckSameShape(a, b);
        var result = new float[a.Length][];
        for (var t = 0; t < a.Length; t++)
        {
            result[t] = new float[a[t].Length];
            for (var i = 0; i < a[t].Length; i++)
            {
                result[t][i] = (float)(a[t][i] + (scale * b[t][i]));
            }
        }

        return result;
    }

    /// <summary>scale·x as a new set.</summary>
    public static float[][] Scale(float[][] set, double scale)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Select(t => t.Select(v => (float)(v * scale)).ToArray()).ToArray();
    }

    /// <summary>A zero set with the same tensor sizes.</summary>
    public static float[][] ZerosLike(float[][] set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Select(t => new float[t.Length]).ToArray();
    }

    private static float[][] PerCoordinate(IReadOnlyList<float[][]> sets, Func<double[], double> reduce)
    {
        CheckSets(sets);
        var result = ZerosLike(sets[0]);
        var column = new double[sets.Count];
        for (var t = 0; t < result.Length; t++)
        {
            for (var i = 0; i < result[t].Length; i++)
            {
                for (var s = 0; s < sets.Count; s++)
                {
                    column[s] = sets[s][t][i];
                }

                Array.Sort(column);
                result[t][i] = (float)reduce(column);
            }
        }

        return result;
    }

    private static void CheckSets(IReadOnlyList<float[][]> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (sets.Count == 0)
        {
            throw new ArgumentException("Nothing to aggregate.", nameof(sets));
        }

        for (var s = 1; s < sets.Count; s++)
        {
            CheckSameShape(sets[0], sets[s]);
        }
    }

    private static void CheckSameShape(float[][] a, float[][] b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Tensor counts differ: {a.Length} and {b.Length}.");
        }

        for (var t = 0; t < a.Length; t++)
        {
            if (a[t].Length != b[t].Length)
            {
                throw new ArgumentException($"Tensor {t} sizes differ: {a[t].Length} and {b[t].Length}.");
            }
        }
    }
}
