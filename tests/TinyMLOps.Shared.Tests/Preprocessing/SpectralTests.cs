using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Quantization;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Preprocessing;

public sealed class SpectralTests(ITestOutputHelper output)
{
    private const int Rate = 1000;

    // The documented tolerance (docs/benchmarks.md, "Front-ends"), in full-scale units (features of O(0.01..1)).
    private const double MaxAbsError = 2e-5;

    private static short[] Axes(int n, int seed) => TestSignals.Interleave(
        TestSignals.Tone(n, 50, 0.4, Rate),
        TestSignals.Chirp(n, 10, 450, 0.2, Rate),
        TestSignals.WhiteNoise(n, 0.05, seed));

    public static TheoryData<int, int, int> Shapes => new() { { 256, 8, Spectral.SpacingLinear }, { 256, 6, Spectral.SpacingLog }, { 1024, 16, Spectral.SpacingLog }, { 64, 4, Spectral.SpacingLinear } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fixed_point_bands_rms_and_peak_match_the_float_reference(int samples, int bands, int spacing)
    {
        var spectral = new Spectral(3, samples, bands, spacing, null);
        var reference = SpectralReference.Like(spectral);
        var signals = new[]
        {
            Axes(samples, 1),
            TestSignals.Interleave(new short[samples], TestSignals.ClippedSquare(samples, 37, Rate), TestSignals.Tone(samples, 120, 0.001, Rate)),
            TestSignals.Interleave(Offset(TestSignals.Tone(samples, 200, 0.3, Rate), 9000), TestSignals.SpeechLikeNoise(samples, 0.5, Rate, 2), TestSignals.WhiteNoise(samples, 1.0, 3)),
        };

        double worst = 0;
        var q = new int[spectral.OutC];
        foreach (short[] window in signals)
        {
            spectral.Features(window, 0, q);
            double[] expected = reference.Compute(window, 0);
            for (int i = 0; i < q.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs((q[i] / 16777216.0) - expected[i]));
            }
        }

        output.WriteLine($"{samples} samples, {bands} bands ({spacing}): max abs error {worst:E2}");
        Assert.True(worst <= MaxAbsError, $"max abs error {worst}");
    }

    [Fact]
    public void Every_bin_falls_in_the_same_band_as_in_the_reference()
    {
        foreach (int samples in new[] { 64, 128, 256, 512, 1024 })
        {
            for (int bands = 1; bands <= Math.Min(Spectral.MaxBands, samples / 2); bands++)
            {
                foreach (int spacing in new[] { Spectral.SpacingLinear, Spectral.SpacingLog })
                {
                    Spectral spectral;
                    try
                    {
                        spectral = new Spectral(1, samples, bands, spacing, null);
                    }
                    catch (ModelFormatException)
                    {
                        Assert.Equal(Spectral.SpacingLog, spacing);
                        continue;
                    }

                    var reference = SpectralReference.Like(spectral);
                    for (int k = 1; k <= samples / 2; k++)
                    {
                        Assert.Equal(reference.BandOf(k), spectral.BandOf(k));
                    }
                }
            }
        }
    }

    [Fact]
    public void A_tone_lands_in_its_band_and_its_rms_and_peak_follow_the_amplitude()
    {
        var spectral = new Spectral(1, 256, 8, Spectral.SpacingLinear, null);
        var q = new int[spectral.OutC];
        // 125 Hz at 1 kHz over 256 samples: bin 32, band (32 - 1) · 8 / 128 = 1.
        spectral.Features(TestSignals.Tone(256, 125, 0.5, Rate), 0, q);

        Assert.Equal(1, Array.IndexOf(q, q.Take(8).Max()));
        Assert.InRange(q[8] / 16777216.0, (0.5 / Math.Sqrt(2)) - 1e-4, (0.5 / Math.Sqrt(2)) + 1e-4);
        // Eight samples per period: the largest sample is 0.5 cos(0.3), not the crest.
        Assert.InRange(q[9] / 16777216.0, (0.5 * Math.Cos(0.3)) - 1e-4, (0.5 * Math.Cos(0.3)) + 1e-4);
    }

    [Fact]
    public void Channel_scales_divide_every_feature_of_their_channel_before_quantization()
    {
        var plain = new Spectral(3, 256, 8, Spectral.SpacingLog, null);
        var scaled = new Spectral(3, 256, 8, Spectral.SpacingLog, [0.5f, 1f, 2f]);
        short[] window = Axes(256, 5);
        var q = new int[plain.OutC];
        plain.Features(window, 0, q);
        var output = new sbyte[plain.OutC];

        scaled.ProcessSamples(window, 0, output, 0, inputScale: 0.004f, inputZeroPoint: -100);

        float[] scales = [0.5f, 1f, 2f];
        for (int i = 0; i < q.Length; i++)
        {
            int expected = QuantMath.Quantize((float)(q[i] / 16777216.0 / scales[i / 10]), 0.004f, -100);
            Assert.InRange(output[i], expected - 1, expected + 1);
        }
    }

    [Theory]
    [InlineData(0, 256, 8, 0, "0 channels")]
    [InlineData(17, 256, 8, 0, "17 channels")]
    [InlineData(3, 200, 8, 0, "window of 200 samples")]
    [InlineData(3, 2048, 8, 0, "window of 2048 samples")]
    [InlineData(3, 256, 0, 0, "0 bands")]
    [InlineData(3, 64, 33, 0, "33 bands")]
    [InlineData(3, 256, 8, 2, "band spacing 2")]
    [InlineData(3, 256, 40, 1, "has no FFT bin")]
    public void Bad_parameters_are_refused_with_their_reason(int channels, int samples, int bands, int spacing, string reason)
    {
        var e = Assert.Throws<ModelFormatException>(() => new Spectral(channels, samples, bands, spacing, null));

        Assert.StartsWith("spectral front-end: ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Bad_channel_scales_are_refused()
    {
        Assert.Contains("2 channel scales for 3 channels", Assert.Throws<ModelFormatException>(() => new Spectral(3, 256, 8, 0, [1f, 1f])).Message);
        Assert.Contains("channel 1 needs a finite positive scale", Assert.Throws<ModelFormatException>(() => new Spectral(3, 256, 8, 0, [1f, 0f, 1f])).Message);
        Assert.Contains("channel 2 needs a finite positive scale", Assert.Throws<ModelFormatException>(() => new Spectral(3, 256, 8, 0, [1f, 1f, float.NaN])).Message);
    }

    [Fact]
    public void A_vibration_model_carries_its_spectral_front_end_through_the_file()
    {
        var spectral = new Spectral(3, 256, 8, Spectral.SpacingLog, [0.5f, 1f, 2f]);
        Int8Model model = RandomModels.Classifier(4, 1, 1, spectral.OutC);
        model.FrontEnd = spectral;
        byte[] bytes = ModelWriter.Write(model);

        Int8Model read = ModelReader.Read(bytes);

        var front = Assert.IsType<Spectral>(read.FrontEnd);
        Assert.Equal((3, 256, 8, Spectral.SpacingLog), (front.Channels, front.Samples, front.Bands, front.Spacing));
        Assert.Equal(spectral.Scales, front.Scales);
        Assert.Equal(bytes, ModelWriter.Write(read));
    }

    private static short[] Offset(short[] x, int dc) => x.Select(v => TestSignals.Clip(v + dc)).ToArray();
}
