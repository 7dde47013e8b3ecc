using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Quantization;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Preprocessing;

public sealed class MfccTests(ITestOutputHelper output)
{
    private const int Rate = 16000;

    // The documented tolerance (docs/benchmarks.md, "Front-ends"), in coefficient units (natural-log DCT). The worst
    // cases are loud tones and chirps, whose far mel bands hold only the int16 rounding of the input (about 120 dB
    // below the tone) where the 32-bit FFT's own rounding is 20-30 dB lower still; noise reduction subtracts nearly equal
    // energies there and magnifies it.
    private const double MaxAbsError = 0.06;
    private const double MeanAbsError = 0.015;
    private const double MaxAbsErrorDenoised = 0.2;
    private const double MeanAbsErrorDenoised = 0.04;

    private static Mfcc Kws(int fft = 1024, int frame = 640, int noise = 0) => new(Rate, frame, 320, fft, 49, 40, 10, 20, 4000, noise);

    public static TheoryData<string> SignalNames => new() { "tone 440 Hz loud", "tone 1234.5 Hz quiet", "tone 3100 Hz mid", "tone 97 Hz", "chirp", "white noise", "quiet white noise", "silence", "clipped square", "speech-like" };

    private static short[] Signal(string name, int n) => name switch
    {
        "tone 440 Hz loud" => TestSignals.Tone(n, 440, 0.9, Rate),
        "tone 1234.5 Hz quiet" => TestSignals.Tone(n, 1234.5, 0.003, Rate),
        "tone 3100 Hz mid" => TestSignals.Tone(n, 3100, 0.2, Rate),
        "tone 97 Hz" => TestSignals.Tone(n, 97, 0.5, Rate),
        "chirp" => TestSignals.Chirp(n, 50, 7500, 0.5, Rate),
        "white noise" => TestSignals.WhiteNoise(n, 0.5, 7),
        "quiet white noise" => TestSignals.WhiteNoise(n, 0.0005, 8),
        "silence" => new short[n],
        "clipped square" => TestSignals.ClippedSquare(n, 330, Rate),
        "speech-like" => TestSignals.SpeechLikeNoise(n, 0.3, Rate, 9),
        _ => throw new ArgumentException(name),
    };

    private (double Max, double Mean) Compare(Mfcc mfcc, short[] pcm)
    {
        var q = new int[mfcc.Frames * mfcc.Coefficients];
        mfcc.Features(pcm, 0, q);
        double[][] expected = MfccReference.Like(mfcc).Compute(pcm, 0);
        double max = 0;
        double sum = 0;
        for (int f = 0; f < mfcc.Frames; f++)
        {
            for (int j = 0; j < mfcc.Coefficients; j++)
            {
                double e = Math.Abs((q[(f * mfcc.Coefficients) + j] / 65536.0) - expected[f][j]);
                max = Math.Max(max, e);
                sum += e;
            }
        }

        return (max, sum / q.Length);
    }

    [Theory]
    [MemberData(nameof(SignalNames))]
    public void Fixed_point_mfccs_match_the_float_reference_within_the_documented_tolerance(string signal)
    {
        foreach (var mfcc in new[] { Kws(), Kws(fft: 512, frame: 480), Kws(noise: 3) })
        {
            var (max, mean) = Compare(mfcc, Signal(signal, mfcc.ClipSamples));
            output.WriteLine($"{signal}, FFT {mfcc.FftSize}, noise {mfcc.NoiseShift}: max {max:F5}, mean {mean:F6}");
            Assert.True(max <= (mfcc.NoiseShift > 0 ? MaxAbsErrorDenoised : MaxAbsError), $"max abs error {max}");
            Assert.True(mean <= (mfcc.NoiseShift > 0 ? MeanAbsErrorDenoised : MeanAbsError), $"mean abs error {mean}");
        }
    }

    [Fact]
    public void A_pure_tone_lands_in_its_mel_band()
    {
        var mfcc = Kws();
        var reference = MfccReference.Like(mfcc);
        foreach (double hz in new[] { 300.0, 1000.0, 2500.0 })
        {
            short[] pcm = TestSignals.Tone(mfcc.ClipSamples, hz, 0.5, Rate);
            double[] logMel = reference.LogMel(pcm, 0);
            int loudest = Array.IndexOf(logMel, logMel.Max());
            int bin = (int)Math.Round(hz * mfcc.FftSize / Rate);

            // The loudest band is one of the (at most two) whose triangle covers the tone's bin.
            Assert.True(reference.FilterWeight(loudest, bin) > 0.3, $"{hz} Hz: band {loudest}, weight {reference.FilterWeight(loudest, bin)}");
        }
    }

    [Fact]
    public void Louder_audio_raises_the_first_coefficient_by_the_log_of_the_power_ratio()
    {
        var mfcc = Kws();
        var quiet = new int[mfcc.Frames * mfcc.Coefficients];
        var loud = new int[quiet.Length];
        mfcc.Features(TestSignals.WhiteNoise(mfcc.ClipSamples, 0.05, 3), 0, quiet);
        mfcc.Features(TestSignals.WhiteNoise(mfcc.ClipSamples, 0.5, 3), 0, loud);

        // ×10 in amplitude is ×100 in every mel energy: c0 rises by √40 · ln 100 (orthonormal DCT), the others stay.
        double expected = Math.Sqrt(40) * Math.Log(100);
        Assert.InRange((loud[0] - quiet[0]) / 65536.0, expected - 0.01, expected + 0.01);
        Assert.InRange((loud[1] - quiet[1]) / 65536.0, -0.01, 0.01);
    }

    [Fact]
    public void Streaming_frame_by_frame_gives_the_whole_clips_features()
    {
        var mfcc = Kws(noise: 4);
        short[] pcm = TestSignals.SpeechLikeNoise(mfcc.ClipSamples, 0.3, Rate, 4);
        var whole = new int[mfcc.Frames * mfcc.Coefficients];
        mfcc.Features(pcm, 0, whole);

        var streamed = new int[whole.Length];
        mfcc.Reset();
        for (int f = 0; f < mfcc.Frames; f++)
        {
            mfcc.PushFrame(pcm, f * mfcc.Stride, streamed, f * mfcc.Coefficients);
        }

        Assert.Equal(whole, streamed);
    }

    [Fact]
    public void The_int8_input_is_the_features_quantized_with_the_models_scale_and_zero_point()
    {
        var mfcc = Kws();
        short[] pcm = TestSignals.Chirp(mfcc.ClipSamples, 100, 3000, 0.4, Rate);
        var q = new int[mfcc.Frames * mfcc.Coefficients];
        mfcc.Features(pcm, 0, q);
        var output = new sbyte[q.Length + 3];

        mfcc.ProcessSamples(pcm, 0, output, 3, inputScale: 0.25f, inputZeroPoint: 12);

        for (int i = 0; i < q.Length; i++)
        {
            // Ties round up here and away from zero in QuantMath.Quantize: one step apart on a negative tie only.
            int expected = QuantMath.Quantize(q[i] / 65536f, 0.25f, 12);
            Assert.Equal(q[i] % 16384 == -8192 ? expected + 1 : expected, output[3 + i]);
        }

        var streamed = new sbyte[mfcc.Coefficients];
        mfcc.Reset();
        mfcc.PushFrame(pcm, 0, streamed, 0, 0.25f, 12);
        Assert.Equal(output.Skip(3).Take(mfcc.Coefficients), streamed);
    }

    [Theory]
    [InlineData(3999, 640, 320, 1024, 49, 40, 10, 20, 4000, 0, "sample rate 3999 Hz")]
    [InlineData(16000, 640, 320, 768, 49, 40, 10, 20, 4000, 0, "FFT size 768 is not a power of two")]
    [InlineData(16000, 640, 320, 512, 49, 40, 10, 20, 4000, 0, "frame length 640 needs an FFT size from it to twice it")]
    [InlineData(16000, 256, 320, 1024, 49, 40, 10, 20, 4000, 0, "frame length 256 needs an FFT size")]
    [InlineData(16000, 640, 0, 1024, 49, 40, 10, 20, 4000, 0, "stride 0")]
    [InlineData(16000, 640, 320, 1024, 0, 40, 10, 20, 4000, 0, "0 frames")]
    [InlineData(16000, 640, 320, 1024, 49, 0, 10, 20, 4000, 0, "0 mel bands")]
    [InlineData(16000, 640, 320, 1024, 49, 40, 41, 20, 4000, 0, "41 coefficients")]
    [InlineData(16000, 640, 320, 1024, 49, 40, 10, 4000, 4000, 0, "band 4000-4000 Hz")]
    [InlineData(16000, 640, 320, 1024, 49, 40, 10, 20, 8001, 0, "band 20-8001 Hz")]
    [InlineData(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 16, "noise reduction shift 16")]
    [InlineData(16000, 640, 320, 1024, 49, 128, 10, 20, 200, 0, "has no FFT bin between 20 and 200 Hz")]
    public void Bad_parameters_are_refused_with_their_reason(int rate, int frame, int stride, int fft, int frames, int bands, int coefficients, int low, int high, int noise, string reason)
    {
        var e = Assert.Throws<ModelFormatException>(() => new Mfcc(rate, frame, stride, fft, frames, bands, coefficients, low, high, noise));

        Assert.StartsWith("mfcc front-end: ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_keyword_model_carries_its_mfcc_front_end_through_the_file()
    {
        var mfcc = Kws(noise: 5);
        Int8Model model = RandomModels.Classifier(3, mfcc.OutH, mfcc.OutW, mfcc.OutC);
        model.FrontEnd = mfcc;
        byte[] bytes = ModelWriter.Write(model);

        Int8Model read = ModelReader.Read(bytes);

        var front = Assert.IsType<Mfcc>(read.FrontEnd);
        Assert.Equal((16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 5), (front.SampleRate, front.FrameLength, front.Stride, front.FftSize, front.Frames, front.MelBands, front.Coefficients, front.LowHz, front.HighHz, front.NoiseShift));
        Assert.Equal(bytes, ModelWriter.Write(read));
        Assert.Equal(18, mfcc.Encode().Length);
    }
}
