namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>Applies the covariate part of a <see cref="SensorShift"/> to one raw image (height x width x channels, 0..255) in place.</summary>
public static class CovariateShift
{
    public static void Apply(SensorShift shift, byte[] sample, int height, int width, int channels, Random random, byte[]? scratch = null)
    {
        ArgumentNullException.ThrowIfNull(shift);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(random);
        int n = height * width * channels;
        if (shift.RotationDegrees != 0)
        {
            Rotate(sample, height, width, channels, shift.RotationDegrees, scratch ?? new byte[n]);
        }

        if (shift.Contrast == 1 && shift.Brightness == 0 && shift.NoiseSd <= 0)
        {
            return;
        }

        for (int i = 0; i < n; i++)
        {
            double v = ((sample[i] - 127.5) * shift.Contrast) + 127.5 + shift.Brightness;
            if (shift.NoiseSd > 0)
            {
                v += shift.NoiseSd * Gaussian(random);
            }

            sample[i] = (byte)Math.Clamp((int)Math.Round(v), 0, 255);
        }
    }

    /// <summary>Applies the signal part of <paramref name="shift"/> (gain, then white noise) to raw int16 samples in place, saturating.</summary>
    public static void ApplySamples(SensorShift shift, short[] samples, Random random)
    {
        ArgumentNullException.ThrowIfNull(shift);
        ArgumentNullException.ThrowIfNull(samples);
        if (shift.SignalGain == 1 && shift.SignalNoise <= 0)
        {
            return;
        }

        for (int i = 0; i < samples.Length; i++)
        {
            double v = samples[i] * shift.SignalGain;
            if (shift.SignalNoise > 0)
            {
                v += shift.SignalNoise * Gaussian(random);
            }

            samples[i] = (short)Math.Clamp((int)Math.Round(v), short.MinValue, short.MaxValue);
        }
    }

    /// <summary>Nearest-neighbour rotation about the centre; what falls outside the frame reads as 0 (the background).</summary>
    public static void Rotate(byte[] sample, int height, int width, int channels, double degrees, byte[] scratch)
    {
        int n = height * width * channels;
        Array.Copy(sample, scratch, n);
        double rad = degrees * Math.PI / 180, cos = Math.Cos(rad), sin = Math.Sin(rad);
        double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // Inverse map: the source pixel that lands on (y, x).
                double dy = y - cy, dx = x - cx;
                int sy = (int)Math.Round((cos * dy) - (sin * dx) + cy);
                int sx = (int)Math.Round((sin * dy) + (cos * dx) + cx);
                bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                for (int c = 0; c < channels; c++)
                {
                    sample[(((y * width) + x) * channels) + c] = inside ? scratch[(((sy * width) + sx) * channels) + c] : (byte)0;
                }
            }
        }
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
