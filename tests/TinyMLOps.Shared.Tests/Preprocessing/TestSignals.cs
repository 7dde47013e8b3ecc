namespace TinyMLOps.Shared.Tests.Preprocessing;

/// <summary>Test signals, none tuned to the front-ends: tones, chirps, noise, silence, clipped squares, speech-like AM noise.</summary>
internal static class TestSignals
{
    public static short[] Tone(int n, double hz, double amplitude, int rate, double phase = 0.3)
    {
        var x = new short[n];
        for (int t = 0; t < n; t++)
        {
            x[t] = Clip(amplitude * 32767 * Math.Sin((2 * Math.PI * hz * t / rate) + phase));
        }

        return x;
    }

    /// <summary>A linear sweep from f0 to f1 Hz over the clip.</summary>
    public static short[] Chirp(int n, double f0, double f1, double amplitude, int rate)
    {
        var x = new short[n];
        double duration = (double)n / rate;
        for (int t = 0; t < n; t++)
        {
            double s = (double)t / rate;
            x[t] = Clip(amplitude * 32767 * Math.Sin(2 * Math.PI * ((f0 * s) + ((f1 - f0) * s * s / (2 * duration)))));
        }

        return x;
    }

    public static short[] WhiteNoise(int n, double amplitude, int seed)
    {
        var random = new Random(seed);
        var x = new short[n];
        for (int t = 0; t < n; t++)
        {
            x[t] = Clip(amplitude * 32767 * ((2 * random.NextDouble()) - 1));
        }

        return x;
    }

    /// <summary>A square wave driven well past full scale, so it clips at ±32767.</summary>
    public static short[] ClippedSquare(int n, double hz, int rate)
    {
        var x = new short[n];
        for (int t = 0; t < n; t++)
        {
            x[t] = Clip(4.0 * 32767 * Math.Sign(Math.Sin((2 * Math.PI * hz * t / rate) + 0.1)));
        }

        return x;
    }

    /// <summary>Noise shaped like speech: 4 Hz syllables, a low-pass-ish spectrum from a running mean, silence between.</summary>
    public static short[] SpeechLikeNoise(int n, double amplitude, int rate, int seed)
    {
        var random = new Random(seed);
        var x = new short[n];
        double smooth = 0;
        for (int t = 0; t < n; t++)
        {
            double white = (2 * random.NextDouble()) - 1;
            smooth = (0.7 * smooth) + (0.3 * white);
            double envelope = Math.Max(0, Math.Sin(2 * Math.PI * 4.0 * t / rate));
            x[t] = Clip(amplitude * 32767 * 2 * envelope * envelope * smooth);
        }

        return x;
    }

    public static short Clip(double v) => (short)Math.Max(-32768, Math.Min(32767, Math.Round(v)));

    /// <summary>Interleaves channels of equal length.</summary>
    public static short[] Interleave(params short[][] channels)
    {
        int n = channels[0].Length;
        var x = new short[n * channels.Length];
        for (int t = 0; t < n; t++)
        {
            for (int c = 0; c < channels.Length; c++)
            {
                x[(t * channels.Length) + c] = channels[c][t];
            }
        }

        return x;
    }
}
