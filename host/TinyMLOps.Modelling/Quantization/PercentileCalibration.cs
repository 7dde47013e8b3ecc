namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// Clips each side at a percentile of the observed values (as TensorRT's and ONNX Runtime's percentile calibrators do):
/// the top end at the p-th percentile, the bottom end at the (100 - p)th, interpolated inside a bin. A side that holds
/// no more than the clipped share keeps its observed end, so a ReLU output still starts at 0.
/// </summary>
public sealed class PercentileCalibration : ICalibrationStrategy
{
    public const double DefaultPercentile = 99.99;

    public PercentileCalibration(double percentile = DefaultPercentile)
    {
        if (!(percentile > 50 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "the percentile must be in (50, 100]");
        }

        Percentile = percentile;
    }

    public double Percentile { get; }

    public (float Min, float Max) Range(ActivationHistogram histogram, float min, float max)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.Count == 0 || Percentile >= 100)
        {
            return (min, max);
        }

        IReadOnlyList<HistogramBin> bins = histogram.Bins(min, max);
        double tail = histogram.Count * (100 - Percentile) / 100;
        double hi = max, lo = min;
        double above = 0;
        for (int i = bins.Count - 1; i >= 0 && bins[i].Low > 0; i--)
        {
            if (above + bins[i].Count > tail)
            {
                // The cut falls in this bin: interpolate as if its values were spread evenly.
                hi = bins[i].High - ((bins[i].High - bins[i].Low) * (tail - above) / bins[i].Count);
                break;
            }

            above += bins[i].Count;
        }

        double below = 0;
        for (int i = 0; i < bins.Count && bins[i].High < 0; i++)
        {
            if (below + bins[i].Count > tail)
            {
                lo = bins[i].Low + ((bins[i].High - bins[i].Low) * (tail - below) / bins[i].Count);
                break;
            }

            below += bins[i].Count;
        }

        return ((float)Math.Max(lo, min), (float)Math.Min(hi, max));
    }
}
