namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// Chooses the range that minimises the expected squared error of int8 quantization over the observed histogram:
/// values outside the range saturate (error: their distance to its end), values inside round (error: step² / 12, or
/// the value² when it is so small that it rounds to the exactly representable zero). Each non-empty side's end is
/// searched over the bin edges, one side at a time with the other fixed, twice.
/// </summary>
public sealed class MseCalibration : ICalibrationStrategy
{
    public (float Min, float Max) Range(ActivationHistogram histogram, float min, float max)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.Count == 0)
        {
            return (min, max);
        }

        HistogramBin[] bins = [.. histogram.Bins(min, max)];
        double lo = Math.Min(min, 0f), hi = Math.Max(max, 0f);
        double[] upper = [.. bins.Where(b => b.High > 0).Select(b => b.High)];
        double[] lower = [.. bins.Where(b => b.Low < 0).Select(b => b.Low)];
        for (int round = 0; round < 2; round++)
        {
            if (upper.Length > 0)
            {
                hi = Best(upper, candidate => Error(bins, lo, candidate));
            }

            if (lower.Length > 0)
            {
                lo = Best(lower, candidate => Error(bins, candidate, hi));
            }
        }

        return ((float)lo, (float)hi);
    }

    /// <summary>Expected total squared error of quantizing the histogram's values over [lo, hi] with the quantizer's own parameters.</summary>
    public static double Error(IReadOnlyList<HistogramBin> bins, double lo, double hi)
    {
        QuantParams p = PostTrainingQuantizer.ChooseActivationParams((float)lo, (float)hi);
        double step = p.Scale, rounding = step * step / 12;
        double realMin = p.RealMin, realMax = p.RealMax;
        double error = 0;
        foreach (HistogramBin b in bins)
        {
            double c = b.Center;
            double e = c > realMax ? (c - realMax) * (c - realMax)
                : c < realMin ? (realMin - c) * (realMin - c)
                : Math.Min(rounding, c * c);
            error += e * b.Count;
        }

        return error;
    }

    private static double Best(double[] candidates, Func<double, double> error)
    {
        double best = candidates[0], bestError = double.PositiveInfinity;
        foreach (double c in candidates)
        {
            double e = error(c);
            if (e < bestError)
            {
                (best, bestError) = (c, e);
            }
        }

        return best;
    }
}
