namespace TinyMLOps.Modelling.Preprocessing;

/// <summary>
/// The float MFCC the device's fixed-point <see cref="TinyMLOps.Shared.Preprocessing.Mfcc"/> approximates, in double
/// with textbook formulas and the same parameters: samples / 32768, periodic Hann window, DFT zero-padded to the FFT
/// size, power |X|², HTK mel triangles (mel = 2595 log10(1 + f/700), edges evenly spaced in mel, bins strictly inside
/// low..high), optional noise floor subtraction, ln of the energies floored at 2^-30, orthonormal DCT-II. Host training
/// uses this; the tests compare the device's features with it.
/// </summary>
public sealed class MfccReference
{
    private readonly double[] _window;
    private readonly double[][] _filters;
    private readonly double[] _cos;
    private readonly double[] _sin;
    private readonly double[] _noise;
    private bool _noiseStarted;

    public MfccReference(int sampleRate, int frameLength, int stride, int fftSize, int frames, int melBands, int coefficients, int lowHz, int highHz, int noiseShift)
    {
        SampleRate = sampleRate;
        FrameLength = frameLength;
        Stride = stride;
        FftSize = fftSize;
        Frames = frames;
        MelBands = melBands;
        Coefficients = coefficients;
        LowHz = lowHz;
        HighHz = highHz;
        NoiseShift = noiseShift;

        _window = new double[frameLength];
        for (int t = 0; t < frameLength; t++)
        {
            _window[t] = 0.5 - (0.5 * Math.Cos(2 * Math.PI * t / frameLength));
        }

        int bins = (fftSize / 2) + 1;
        double melLow = Mel(lowHz);
        double melHigh = Mel(highHz);
        var edges = new double[melBands + 2];
        for (int i = 0; i < edges.Length; i++)
        {
            edges[i] = melLow + ((melHigh - melLow) * i / (melBands + 1));
        }

        _filters = new double[melBands][];
        for (int b = 0; b < melBands; b++)
        {
            _filters[b] = new double[bins];
            for (int k = 0; k < bins; k++)
            {
                double f = (double)k * sampleRate / fftSize;
                if (f <= lowHz || f >= highHz)
                {
                    continue;
                }

                double m = Mel(f);
                if (m > edges[b] && m < edges[b + 1])
                {
                    _filters[b][k] = (m - edges[b]) / (edges[b + 1] - edges[b]);
                }
                else if (m >= edges[b + 1] && m < edges[b + 2])
                {
                    _filters[b][k] = (edges[b + 2] - m) / (edges[b + 2] - edges[b + 1]);
                }
            }
        }

        _cos = new double[fftSize];
        _sin = new double[fftSize];
        for (int i = 0; i < fftSize; i++)
        {
            _cos[i] = Math.Cos(2 * Math.PI * i / fftSize);
            _sin[i] = Math.Sin(2 * Math.PI * i / fftSize);
        }

        _noise = new double[melBands];
    }

    public int SampleRate { get; }

    public int FrameLength { get; }

    public int Stride { get; }

    public int FftSize { get; }

    public int Frames { get; }

    public int MelBands { get; }

    public int Coefficients { get; }

    public int LowHz { get; }

    public int HighHz { get; }

    public int NoiseShift { get; }

    public int ClipSamples => FrameLength + ((Frames - 1) * Stride);

    public static MfccReference Like(TinyMLOps.Shared.Preprocessing.Mfcc m) =>
        new(m.SampleRate, m.FrameLength, m.Stride, m.FftSize, m.Frames, m.MelBands, m.Coefficients, m.LowHz, m.HighHz, m.NoiseShift);

    /// <summary>HTK mel.</summary>
    public static double Mel(double hz) => 2595.0 * Math.Log10(1.0 + (hz / 700.0));

    /// <summary>The weight of FFT bin k in mel band b.</summary>
    public double FilterWeight(int band, int bin) => _filters[band][bin];

    /// <summary>The MFCCs of one clip, Frames x Coefficients.</summary>
    public double[][] Compute(short[] pcm, int offset)
    {
        _noiseStarted = false;
        var result = new double[Frames][];
        for (int f = 0; f < Frames; f++)
        {
            result[f] = Frame(pcm, offset + (f * Stride));
        }

        return result;
    }

    /// <summary>The natural-log mel energies of one frame (after the noise floor, if any).</summary>
    public double[] LogMel(short[] pcm, int offset)
    {
        int n = FftSize;
        int bins = (n / 2) + 1;
        var power = new double[bins];
        for (int k = 0; k < bins; k++)
        {
            double re = 0;
            double im = 0;
            for (int t = 0; t < FrameLength; t++)
            {
                double x = pcm[offset + t] / 32768.0 * _window[t];
                int i = (int)((long)k * t % n);
                re += x * _cos[i];
                im -= x * _sin[i];
            }

            power[k] = (re * re) + (im * im);
        }

        var logMel = new double[MelBands];
        for (int b = 0; b < MelBands; b++)
        {
            double e = 0;
            for (int k = 0; k < bins; k++)
            {
                e += _filters[b][k] * power[k];
            }

            if (NoiseShift > 0)
            {
                if (!_noiseStarted || e < _noise[b])
                {
                    _noise[b] = e;
                }
                else
                {
                    _noise[b] += (e - _noise[b]) / (1 << NoiseShift);
                }

                e = Math.Max(e - _noise[b], e / 16);
            }

            logMel[b] = Math.Log(Math.Max(e, Math.Pow(2, Shared.Preprocessing.Mfcc.LogFloorLog2)));
        }

        _noiseStarted = true;
        return logMel;
    }

    private double[] Frame(short[] pcm, int offset)
    {
        double[] logMel = LogMel(pcm, offset);
        var c = new double[Coefficients];
        for (int j = 0; j < Coefficients; j++)
        {
            double s = Math.Sqrt((j == 0 ? 1.0 : 2.0) / MelBands);
            double sum = 0;
            for (int m = 0; m < MelBands; m++)
            {
                sum += logMel[m] * Math.Cos(Math.PI * j * ((2 * m) + 1) / (2.0 * MelBands));
            }

            c[j] = s * sum;
        }

        return c;
    }
}
