using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Modelling.Preprocessing;

/// <summary>
/// MFCC features of whole clips on the host: the float reference (<see cref="MfccReference"/>, what a model is
/// trained on) or the device's fixed-point <see cref="Mfcc"/> (Q16 / 65536, what the int8 model is fed).
/// </summary>
public static class AudioFeatures
{
    /// <summary>The keyword-spotting MFCC (MLPerf Tiny KWS): 16 kHz, 40 ms frames every 20 ms, 49 frames, 40 mel bands (20–4000 Hz), 10 coefficients.</summary>
    public static Mfcc KeywordMfcc() => new(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0);

    /// <summary>Samples in [-1, 1] (as the WAV loader gives them) to int16 PCM of <paramref name="length"/> samples, padded with silence or cut.</summary>
    public static short[] ToPcm(ReadOnlySpan<float> samples, int length)
    {
        var pcm = new short[length];
        for (int i = 0; i < Math.Min(length, samples.Length); i++)
        {
            pcm[i] = (short)Math.Clamp(Math.Round(samples[i] * 32768.0), short.MinValue, short.MaxValue);
        }

        return pcm;
    }

    /// <summary>Frames x Coefficients features per clip (frame by frame), in parallel; fixed point or the float reference.</summary>
    public static float[][] Compute(Mfcc spec, IReadOnlyList<float[]> clips, bool fixedPoint, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(clips);
        var result = new float[clips.Count][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(
            0,
            clips.Count,
            parallel,
            () => (Fixed: fixedPoint ? Copy(spec) : null, Reference: fixedPoint ? null : MfccReference.Like(spec), Q: new int[spec.Frames * spec.Coefficients]),
            (i, _, state) =>
            {
                short[] pcm = ToPcm(clips[i], spec.ClipSamples);
                var x = new float[spec.Frames * spec.Coefficients];
                if (state.Fixed != null)
                {
                    state.Fixed.Features(pcm, 0, state.Q);
                    for (int k = 0; k < x.Length; k++)
                    {
                        x[k] = state.Q[k] / 65536f;
                    }
                }
                else
                {
                    double[][] c = state.Reference!.Compute(pcm, 0);
                    for (int f = 0; f < spec.Frames; f++)
                    {
                        for (int j = 0; j < spec.Coefficients; j++)
                        {
                            x[(f * spec.Coefficients) + j] = (float)c[f][j];
                        }
                    }
                }

                result[i] = x;
                return state;
            },
            _ => { });
        return result;
    }

    private static Mfcc Copy(Mfcc m) =>
        new(m.SampleRate, m.FrameLength, m.Stride, m.FftSize, m.Frames, m.MelBands, m.Coefficients, m.LowHz, m.HighHz, m.NoiseShift);
}
