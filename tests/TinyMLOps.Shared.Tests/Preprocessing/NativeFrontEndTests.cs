using System.Diagnostics;
using System.Reflection;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Tests.Kernels;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Preprocessing;

/// <summary>
/// The C front-ends of firmware/native (tml_frontends.h) against the C# front-ends, the reference: random MFCC and
/// spectral configurations over tones, noise, silence, clipping and full-scale steps, every output byte, every Q16
/// coefficient and the noise floor left behind identical; the FFT, log2 and square root on random integers; the
/// front-end backend seam on a classifier. Benchmarks print C against C# per clip (not asserted).
/// </summary>
public sealed class NativeFrontEndTests(ITestOutputHelper output)
{
    private const int MfccCases = 500;
    private const int SpectralCases = 500;

    private static readonly FieldInfo NoiseField = typeof(Mfcc).GetField("_noise", BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly FieldInfo StartedField = typeof(Mfcc).GetField("_noiseStarted", BindingFlags.NonPublic | BindingFlags.Instance)!;

    [NativeKernelFact]
    public void Random_mfcc_configurations_give_the_csharp_bytes_coefficients_and_noise_floor()
    {
        var rng = new Random(1919);
        var native = new NativeFrontEndBackend();
        var sizes = new HashSet<int>();
        int denoised = 0;
        long inside = 0;
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < MfccCases; n++)
        {
            var (reference, offloaded) = RandomMfcc(rng);
            offloaded.Backend = native;
            sizes.Add(reference.FftSize);
            denoised += reference.NoiseShift > 0 ? 1 : 0;
            float scale = (float)(0.05 + (rng.NextDouble() * 1.5));
            int zeroPoint = rng.Next(-60, 61);
            string what = $"case {n}: {reference.Describe()}";

            // Two clips in a row on each instance: the second must not see the first's floor, and both leave the same.
            for (int clip = 0; clip < 2; clip++)
            {
                short[] pcm = Audio(rng, reference.ClipSamples + 7, reference.SampleRate);
                int offset = rng.Next(8);
                var expected = new sbyte[(reference.Frames * reference.Coefficients) + 3];
                var actual = new sbyte[expected.Length];
                reference.ProcessSamples(pcm, offset, expected, 3, scale, zeroPoint);
                offloaded.ProcessSamples(pcm, offset, actual, 3, scale, zeroPoint);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what}, clip {clip}: byte {expected.AsSpan().CommonPrefixLength(actual)} differs");
                Assert.Equal((long[])NoiseField.GetValue(reference)!, (long[])NoiseField.GetValue(offloaded)!);
                Assert.Equal(StartedField.GetValue(reference), StartedField.GetValue(offloaded));
                inside += expected.Skip(3).Count(b => b > -128 && b < 127);
                bytes += expected.Length - 3;

                // The Q16 coefficients frame by frame through tml_mfcc_frame, the floor carried, then two more frames.
                int frames = reference.Frames + 2;
                short[] stream = Audio(rng, reference.FrameLength + ((frames - 1) * reference.Stride), reference.SampleRate);
                var q = new int[frames * reference.Coefficients];
                reference.Reset();
                for (int f = 0; f < frames; f++)
                {
                    reference.PushFrame(stream, f * reference.Stride, q, f * reference.Coefficients);
                }

                var qNative = new int[q.Length];
                var noise = new long[reference.MelBands];
                Assert.Equal(1, native.LastMfcc!.Frames(stream, 0, reference.Stride, frames, qNative, noise, started: 0));
                Assert.True(q.AsSpan().SequenceEqual(qNative), $"{what}: Q16 coefficient {q.AsSpan().CommonPrefixLength(qNative)} differs");
                Assert.Equal((long[])NoiseField.GetValue(reference)!, noise);
            }
        }

        Assert.Equal(5, sizes.Count);
        Assert.True(denoised >= MfccCases / 4, $"only {denoised} configurations with noise reduction");
        Assert.True(inside >= bytes * 4 / 10, $"only {inside} of {bytes} output bytes strictly inside the int8 range");
        output.WriteLine($"{MfccCases} MFCC configurations ({denoised} with noise reduction), FFT sizes {string.Join(", ", sizes.Order())}: {bytes:N0} bytes identical ({100.0 * inside / bytes:F1} % unsaturated) in {clock.ElapsedMilliseconds} ms");
    }

    [NativeKernelFact]
    public void Random_spectral_configurations_give_the_csharp_bytes()
    {
        var rng = new Random(2019);
        var native = new NativeFrontEndBackend();
        long inside = 0;
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < SpectralCases; n++)
        {
            var (reference, offloaded) = RandomSpectral(rng);
            offloaded.Backend = native;
            short[] samples = Audio(rng, reference.RawSamples + 5, 1000);
            int offset = rng.Next(6);
            float scale = (float)Math.Pow(2, -rng.Next(4, 11) + rng.NextDouble());
            int zeroPoint = rng.Next(-128, 0);
            var expected = new sbyte[reference.OutC + 2];
            var actual = new sbyte[expected.Length];
            reference.ProcessSamples(samples, offset, expected, 2, scale, zeroPoint);
            offloaded.ProcessSamples(samples, offset, actual, 2, scale, zeroPoint);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: {reference.Describe()}: byte {expected.AsSpan().CommonPrefixLength(actual)} differs");
            inside += expected.Skip(2).Count(b => b > -128 && b < 127);
            bytes += expected.Length - 2;
        }

        Assert.Equal(SpectralCases, native.Calls["spectral"]);
        Assert.True(inside >= bytes * 4 / 10, $"only {inside} of {bytes} output bytes strictly inside the int8 range");
        output.WriteLine($"{SpectralCases} spectral configurations: {bytes:N0} bytes identical ({100.0 * inside / bytes:F1} % unsaturated) in {clock.ElapsedMilliseconds} ms");
    }

    [NativeKernelFact]
    public void The_native_fft_log2_and_square_root_give_the_csharp_integers()
    {
        var rng = new Random(77);
        NativeKernels.EnsureLoaded();
        for (int size = FixedFft.MinSize; size <= FixedFft.MaxSize; size *= 2)
        {
            var fft = new FixedFft(size);
            int[] Table(string name) => (int[])typeof(FixedFft).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(fft)!;
            for (int n = 0; n < 20; n++)
            {
                // Σ|x| at the 2^30 bound in half the cases.
                int amplitude = n % 2 == 0 ? (1 << 30) / size : rng.Next(1, 1 << 16);
                int[] x = [.. Enumerable.Range(0, size).Select(_ => rng.Next(-amplitude, amplitude + 1))];
                var (re, im, nativeRe, nativeIm) = (new int[(size / 2) + 1], new int[(size / 2) + 1], new int[(size / 2) + 1], new int[(size / 2) + 1]);
                fft.Forward(x, 0, re, im);
                NativeFrontEndBackend.FftReal(Table("_cos"), Table("_sin"), Table("_bitReverse"), x, nativeRe, nativeIm);
                Assert.Equal(re, nativeRe);
                Assert.Equal(im, nativeIm);
            }
        }

        for (int n = 0; n < 100_000; n++)
        {
            long v = rng.Next(3) switch { 0 => rng.Next(-5, 1 << 20), 1 => rng.NextInt64(long.MaxValue), _ => rng.NextInt64(1L << rng.Next(1, 63)) };
            int frac = rng.Next(1, 25);
            Assert.Equal(FixedMath.Log2(v, frac), NativeFrontEndBackend.Log2(v, frac));
            Assert.Equal(FixedMath.Sqrt(v), NativeFrontEndBackend.Sqrt(v));
        }
    }

    [NativeKernelFact]
    public void A_keyword_classifier_with_the_native_front_end_gives_the_csharp_input_and_scores()
    {
        var mfcc = new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 4);
        Int8Model model = RandomModels.Classifier(5, mfcc.OutH, mfcc.OutW, mfcc.OutC);
        model.FrontEnd = mfcc;
        byte[] file = ModelWriter.Write(model);
        var native = new NativeFrontEndBackend();
        var reference = new Classifier(file);
        var offloaded = new Classifier(file);
        ((Mfcc)offloaded.FrontEnd).Backend = native;
        var rng = new Random(3);
        for (int n = 0; n < 12; n++)
        {
            short[] clip = Audio(rng, mfcc.ClipSamples, 16000);
            Assert.Equal(reference.ClassifySamples(clip, 0), offloaded.ClassifySamples(clip, 0));
            Assert.Equal(reference.ProcessedInput, offloaded.ProcessedInput);
            Assert.Equal(reference.Interpreter.Arena, offloaded.Interpreter.Arena);
        }

        Assert.Equal(12, native.Calls["mfcc"]);
    }

    [NativeKernelFact]
    public void Front_ends_built_after_the_default_backend_is_installed_use_it_and_a_declining_backend_leaves_the_csharp_path()
    {
        // The installed default declines: a front-end another test builds meanwhile still runs the C# code.
        var installed = new DecliningBackend();
        Mfcc fromDefault;
        Spectral spectralFromDefault;
        FrontEndBackends.Default = installed;
        try
        {
            fromDefault = new Mfcc(8000, 200, 100, 256, 5, 20, 8, 50, 3500, 2);
            spectralFromDefault = new Spectral(3, 128, 6, Spectral.SpacingLog, null);
        }
        finally
        {
            FrontEndBackends.Default = null;
        }

        Assert.Same(installed, fromDefault.Backend);
        Assert.Same(installed, spectralFromDefault.Backend);
        Assert.Null(new Mfcc(8000, 200, 100, 256, 5, 20, 8, 50, 3500, 2).Backend);

        var native = new NativeFrontEndBackend();
        var declining = new DecliningBackend();
        var reference = new Mfcc(8000, 200, 100, 256, 5, 20, 8, 50, 3500, 2);
        var offloaded = new Mfcc(8000, 200, 100, 256, 5, 20, 8, 50, 3500, 2) { Backend = native };
        var declined = new Mfcc(8000, 200, 100, 256, 5, 20, 8, 50, 3500, 2) { Backend = declining };
        short[] pcm = Audio(new Random(4), reference.ClipSamples, 8000);
        var (expected, viaNative, viaDeclined) = (new sbyte[40], new sbyte[40], new sbyte[40]);
        reference.ProcessSamples(pcm, 0, expected, 0, 0.4f, 3);
        offloaded.ProcessSamples(pcm, 0, viaNative, 0, 0.4f, 3);
        declined.ProcessSamples(pcm, 0, viaDeclined, 0, 0.4f, 3);
        short[] window = Audio(new Random(5), 384, 100);
        var (spectralExpected, spectralDeclined) = (new sbyte[24], new sbyte[24]);
        new Spectral(3, 128, 6, Spectral.SpacingLog, null).ProcessSamples(window, 0, spectralExpected, 0, 0.01f, 0);
        new Spectral(3, 128, 6, Spectral.SpacingLog, null) { Backend = declining }.ProcessSamples(window, 0, spectralDeclined, 0, 0.01f, 0);

        Assert.Equal(expected, viaNative);
        Assert.Equal(expected, viaDeclined);
        Assert.Equal(spectralExpected, spectralDeclined);
        Assert.Equal(2, declining.Asked);
        Assert.Equal(1, native.Calls["mfcc"]);
    }

    [NativeKernelFact]
    public void Benchmark_native_against_csharp_front_ends_per_clip()
    {
        var native = new NativeFrontEndBackend();
        foreach (var (name, mfcc) in new[] { ("MFCC 1 s, FFT 1024, 49 x 640 (keywords)", new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0)), ("MFCC 1 s, FFT 512, 49 x 480", new Mfcc(16000, 480, 320, 512, 49, 40, 10, 20, 4000, 0)) })
        {
            var offloaded = new Mfcc(mfcc.SampleRate, mfcc.FrameLength, mfcc.Stride, mfcc.FftSize, mfcc.Frames, mfcc.MelBands, mfcc.Coefficients, mfcc.LowHz, mfcc.HighHz, mfcc.NoiseShift) { Backend = native };
            short[] clip = TestSignals.SpeechLikeNoise(mfcc.ClipSamples, 0.3, 16000, 9);
            var (a, b) = (new sbyte[mfcc.Frames * mfcc.Coefficients], new sbyte[mfcc.Frames * mfcc.Coefficients]);
            double managed = Fastest(() => mfcc.ProcessSamples(clip, 0, a, 0, 0.5f, 0));
            double c = Fastest(() => offloaded.ProcessSamples(clip, 0, b, 0, 0.5f, 0));
            Assert.Equal(a, b);
            output.WriteLine($"{name}: C (gcc -O2, P/Invoke) {c / 1000:F1} µs per clip, C# on .NET {managed / 1000:F1} µs, {managed / c:F2}x");
        }

        var spectral = new Spectral(3, 512, 8, Spectral.SpacingLog, null);
        var spectralNative = new Spectral(3, 512, 8, Spectral.SpacingLog, null) { Backend = native };
        short[] window = Audio(new Random(6), spectral.RawSamples, 1000);
        var (x, y) = (new sbyte[spectral.OutC], new sbyte[spectral.OutC]);
        double spectralManaged = Fastest(() => spectral.ProcessSamples(window, 0, x, 0, 0.01f, -100));
        double spectralC = Fastest(() => spectralNative.ProcessSamples(window, 0, y, 0, 0.01f, -100));
        Assert.Equal(x, y);
        output.WriteLine($"spectral 3 x 512, 8 log bands (vibration): C {spectralC / 1000:F1} µs per window, C# {spectralManaged / 1000:F1} µs, {spectralManaged / spectralC:F2}x");
    }

    /// <summary>The fastest of 25 rounds of 10 calls, in ns per call, after 400 ms of calls (so .NET runs its tier-1 code).</summary>
    private static double Fastest(Action run)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 400)
        {
            run();
        }

        double best = double.MaxValue;
        for (int round = 0; round < 25; round++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                run();
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / 10);
        }

        return best;
    }

    /// <summary>A valid random MFCC, twice (reference and offloaded): every range of the constructor, retried when a band gets no bin.</summary>
    private static (Mfcc, Mfcc) RandomMfcc(Random rng)
    {
        while (true)
        {
            int fft = 64 << rng.Next(5);
            int rate = rng.Next(Mfcc.MinSampleRate, Mfcc.MaxSampleRate + 1);
            int frame = rng.Next((fft / 2) + 1, fft + 1);
            int stride = rng.Next(3) == 0 ? rng.Next(1, 40) : rng.Next(frame / 4, (2 * frame) + 1);
            int frames = rng.Next(1, 13);
            int mel = rng.Next(1, Math.Min(Mfcc.MaxMelBands, fft / 2) / (rng.Next(2) + 1) + 1);
            int coefficients = rng.Next(1, mel + 1);
            int low = rng.Next(2) == 0 ? 0 : rng.Next(rate / 8);
            int high = rng.Next(low + 1, (rate / 2) + 1);
            int noise = rng.Next(2) == 0 ? 0 : rng.Next(1, Mfcc.MaxNoiseShift + 1);
            try
            {
                return (new Mfcc(rate, frame, stride, fft, frames, mel, coefficients, low, high, noise), new Mfcc(rate, frame, stride, fft, frames, mel, coefficients, low, high, noise));
            }
            catch (ModelFormatException)
            {
                // A mel band with no FFT bin: draw again.
            }
        }
    }

    private static (Spectral, Spectral) RandomSpectral(Random rng)
    {
        while (true)
        {
            int channels = rng.Next(1, 5);
            int samples = Spectral.MinSamples << rng.Next(5);
            int bands = rng.Next(1, Math.Min(Spectral.MaxBands, samples / 2) + 1);
            int spacing = rng.Next(2);
            float[]? scales = rng.Next(2) == 0 ? null : [.. Enumerable.Range(0, channels).Select(_ => (float)Math.Pow(2, rng.NextDouble() * 4 - 2))];
            try
            {
                return (new Spectral(channels, samples, bands, spacing, scales), new Spectral(channels, samples, bands, spacing, scales));
            }
            catch (ModelFormatException)
            {
                // A log band with no bin: draw again.
            }
        }
    }

    /// <summary>Segments of silence, tones, white noise (down to 1 LSB), clipped squares and full-scale steps, with a DC offset now and then.</summary>
    private static short[] Audio(Random rng, int n, int rate)
    {
        var x = new short[n];
        int t = 0;
        while (t < n)
        {
            int length = Math.Min(n - t, rng.Next(1, Math.Max(2, n / 3)));
            double amplitude = Math.Pow(10, -rng.NextDouble() * 4.5);
            double hz = rng.NextDouble() * rate / 2;
            int dc = rng.Next(4) == 0 ? rng.Next(-3000, 3001) : 0;
            int kind = rng.Next(6);
            for (int i = 0; i < length; i++, t++)
            {
                double v = kind switch
                {
                    0 => 0,
                    1 => amplitude * 32767 * Math.Sin(2 * Math.PI * hz * t / rate),
                    2 => amplitude * 32767 * ((2 * rng.NextDouble()) - 1),
                    3 => rng.Next(3) - 1,
                    4 => 4.0 * 32767 * Math.Sign(Math.Sin(2 * Math.PI * hz * t / rate) + 0.01),
                    _ => (i / 17) % 2 == 0 ? -32768 : 32767,
                };
                x[t] = TestSignals.Clip(v + dc);
            }
        }

        return x;
    }

    private sealed class DecliningBackend : IFrontEndBackend
    {
        public int Asked { get; private set; }

        public string Name => "declining";

        public bool Mfcc(int[] call, int[] window, int[] binEdge, int[] binWeight, int[] dct, int[] fftCos, int[] fftSin, int[] fftBitReverse, long[] noise, int[] frame, int[] re, int[] im, long[] high, long[] low, short[] raw, int offset, sbyte[] output, int outputOffset)
        {
            Asked++;
            return false;
        }

        public bool Spectral(int[] call, int[] window, int[] binBand, int[] fftCos, int[] fftSin, int[] fftBitReverse, int[] multipliers, int[] shifts, int[] frame, int[] re, int[] im, long[] sums, int[] features, short[] raw, int offset, sbyte[] output, int outputOffset)
        {
            Asked++;
            return false;
        }
    }
}
