namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// Counts of one tensor's values over calibration, in logarithmic bins: 32 per octave of |v| from 2^-24 up to 2^40 on
/// each side of zero, plus exact zeros. It needs no range up front, so calibration stays one pass, and every bin is
/// about 2 % of its value wide whatever the tensor's scale. Smaller magnitudes fall in the lowest bin, larger in the top.
/// </summary>
public sealed class ActivationHistogram
{
    public const int BinsPerOctave = 32;

    public const int LowestExponent = -24;

    public const int BinsPerSide = 64 * BinsPerOctave;

    // A float's exponent and top 5 mantissa bits, shifted down, are its bin key: bins are exact float intervals.
    private const int MantissaShift = 23 - 5;
    private const int FirstKey = (127 + LowestExponent) << 5;

    public long[] Positive { get; } = new long[BinsPerSide];

    public long[] Negative { get; } = new long[BinsPerSide];

    public long Zeros { get; private set; }

    public long Count { get; private set; }

    /// <summary>Lower end of |v| in bin <paramref name="bin"/> (the upper end is the next bin's lower end).</summary>
    public static float Edge(int bin) => BitConverter.Int32BitsToSingle((bin + FirstKey) << MantissaShift);

    public void Add(ReadOnlySpan<float> values)
    {
        long[] pos = Positive, neg = Negative;
        foreach (float v in values)
        {
            int bits = BitConverter.SingleToInt32Bits(v);
            int magnitude = bits & 0x7FFFFFFF;
            if (magnitude == 0)
            {
                Zeros++;
                continue;
            }

            int key = Math.Clamp((magnitude >> MantissaShift) - FirstKey, 0, BinsPerSide - 1);
            (bits < 0 ? neg : pos)[key]++;
        }

        Count += values.Length;
    }

    public void Include(ActivationHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < BinsPerSide; i++)
        {
            Positive[i] += other.Positive[i];
            Negative[i] += other.Negative[i];
        }

        Zeros += other.Zeros;
        Count += other.Count;
    }

    /// <summary>
    /// The non-empty bins in ascending order of value, each clipped to the observed [min, max] (exact zeros as the
    /// interval [0, 0]): what the clipping strategies search over.
    /// </summary>
    public IReadOnlyList<HistogramBin> Bins(float min, float max)
    {
        var bins = new List<HistogramBin>();
        for (int i = BinsPerSide - 1; i >= 0; i--)
        {
            if (Negative[i] > 0)
            {
                bins.Add(new HistogramBin(Math.Max(-(double)Edge(i + 1), min), Math.Min(-(double)Edge(i), max), Negative[i]));
            }
        }

        if (Zeros > 0)
        {
            bins.Add(new HistogramBin(0, 0, Zeros));
        }

        for (int i = 0; i < BinsPerSide; i++)
        {
            if (Positive[i] > 0)
            {
                bins.Add(new HistogramBin(Math.Max(Edge(i), min), Math.Min(Edge(i + 1), max), Positive[i]));
            }
        }

        return bins;
    }
}

/// <summary>Values in [Low, High] seen Count times.</summary>
public readonly record struct HistogramBin(double Low, double High, long Count)
{
    public double Center => (Low + High) / 2;
}
