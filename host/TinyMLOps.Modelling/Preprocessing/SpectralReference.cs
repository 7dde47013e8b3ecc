namespace TinyMLOps.Modelling.Preprocessing;

/// <summary>
/// The float spectral features the device's fixed-point <see cref="TinyMLOps.Shared.Preprocessing.Spectral"/>
/// approximates, in double: per channel of an interleaved int16 window, samples / 32768 minus their mean, periodic Hann
/// window, |DFT| / N of bins 1..N/2 summed in bands (linear: bin k in band ⌊(k - 1) B / (N/2)⌋; log: ⌊B log2 k / log2(N/2)⌋,
/// the last bin in band B - 1), then the RMS and the peak of the centred samples; every feature divided by the channel's
/// scale. Output: channels · (B + 2) values, channel by channel.
/// </summary>
public sealed class SpectralReference(int channels, int samples, int bands, int spacing, float[]? scales)
{
    public int Channels { get; } = channels;

    public int Samples { get; } = samples;

    public int Bands { get; } = bands;

    public int Spacing { get; } = spacing;

    public static SpectralReference Like(TinyMLOps.Shared.Preprocessing.Spectral s) => new(s.Channels, s.Samples, s.Bands, s.Spacing, s.Scales);

    /// <summary>The band of FFT bin k in 1..N/2.</summary>
    public int BandOf(int k)
    {
        int half = Samples / 2;
        int b = Spacing == TinyMLOps.Shared.Preprocessing.Spectral.SpacingLinear
            ? (k - 1) * Bands / half
            : (int)Math.Floor((Bands * Math.Log2(k) / Math.Log2(half)) + 1e-12);
        return Math.Min(b, Bands - 1);
    }

    public double[] Compute(short[] window, int offset)
    {
        int n = Samples;
        int per = Bands + 2;
        var result = new double[Channels * per];
        var x = new double[n];
        for (int c = 0; c < Channels; c++)
        {
            double mean = 0;
            for (int t = 0; t < n; t++)
            {
                mean += window[offset + (t * Channels) + c] / 32768.0;
            }

            mean /= n;
            double squares = 0;
            double peak = 0;
            for (int t = 0; t < n; t++)
            {
                double d = (window[offset + (t * Channels) + c] / 32768.0) - mean;
                squares += d * d;
                peak = Math.Max(peak, Math.Abs(d));
                x[t] = d * (0.5 - (0.5 * Math.Cos(2 * Math.PI * t / n)));
            }

            double scale = scales == null ? 1.0 : scales[c];
            for (int k = 1; k <= n / 2; k++)
            {
                double re = 0;
                double im = 0;
                for (int t = 0; t < n; t++)
                {
                    double a = 2 * Math.PI * ((long)k * t % n) / n;
                    re += x[t] * Math.Cos(a);
                    im -= x[t] * Math.Sin(a);
                }

                result[(c * per) + BandOf(k)] += Math.Sqrt((re * re) + (im * im)) / n / scale;
            }

            result[(c * per) + Bands] = Math.Sqrt(squares / n) / scale;
            result[(c * per) + Bands + 1] = peak / scale;
        }

        return result;
    }
}
