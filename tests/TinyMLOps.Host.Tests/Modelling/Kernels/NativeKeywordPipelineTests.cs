using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Tests.Kernels;
using TinyMLOps.Shared.Tests.Preprocessing;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// The keyword spotter as a board with the native library runs it: the DS-CNN fixture (kws_mfcc_dscnn.onnx) quantized
/// on fixed-point MFCCs, its MFCC front-end and every kernel in C through P/Invoke, against the all-C# device path:
/// the same model input, the same arena, the same class, clip after clip.
/// </summary>
public sealed class NativeKeywordPipelineTests(ITestOutputHelper output)
{
    private const int Clips = 12;

    [NativeKernelFact]
    public void The_keyword_model_on_the_native_front_end_and_kernels_gives_the_csharp_device_bytes()
    {
        var rng = new Random(19);
        var calibrationFrontEnd = new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0);
        FloatModel floatModel = OnnxImporter.Import(OnnxTestSupport.Fixture(Path.Combine("keywords", "kws_mfcc_dscnn.onnx")));
        float[][] calibration = [.. Enumerable.Range(0, 16).Select(_ => Features(calibrationFrontEnd, Clip(rng)))];
        Int8Model quantized = PostTrainingQuantizer.Quantize(floatModel, PostTrainingQuantizer.Calibrate(floatModel, calibration), new QuantizationOptions { PixelInput = false });
        var frontEndCalls = 0;
        foreach (int noise in new[] { 0, 4 })
        {
            quantized.FrontEnd = new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, noise);
            byte[] file = ModelWriter.Write(quantized);
            Int8Model managedModel = ModelReader.Read(file);
            Int8Model nativeModel = ModelReader.Read(file);
            var frontEnd = new NativeFrontEndBackend();
            ((Mfcc)nativeModel.FrontEnd!).Backend = frontEnd;
            var kernels = new NativeKernelBackend();
            var managed = new Interpreter(managedModel, null);
            var native = new Interpreter(nativeModel, kernels);
            var (managedInput, nativeInput) = (new sbyte[managed.InputLength], new sbyte[native.InputLength]);
            for (int n = 0; n < Clips; n++)
            {
                short[] clip = Clip(rng);
                managedModel.FrontEnd!.ProcessSamples(clip, 0, managedInput, 0, managedModel.InputScale, managedModel.InputZeroPoint);
                nativeModel.FrontEnd!.ProcessSamples(clip, 0, nativeInput, 0, nativeModel.InputScale, nativeModel.InputZeroPoint);
                Assert.Equal(managedInput, nativeInput);
                managed.SetInput(managedInput, 0);
                native.SetInput(nativeInput, 0);
                managed.Invoke();
                native.Invoke();
                Assert.True(managed.Arena.AsSpan().SequenceEqual(native.Arena), $"noise {noise}, clip {n}: arena byte {managed.Arena.AsSpan().CommonPrefixLength(native.Arena)} differs");
                Assert.Equal(ArgMax(managed), ArgMax(native));
            }

            frontEndCalls += frontEnd.Calls["mfcc"];
            Assert.Equal(nativeModel.Operators.Count(op => op is not Reshape) * Clips, kernels.Calls.Values.Sum());
            output.WriteLine($"noise shift {noise}: {Clips} clips, model input, arena and class identical; C kernel calls {kernels.Calls.Values.Sum()}");
        }

        Assert.Equal(2 * Clips, frontEndCalls);
    }

    /// <summary>A second of tones, speech-like noise and silence at random levels.</summary>
    private static short[] Clip(Random rng)
    {
        int n = 16000;
        short[] speech = TestSignals.SpeechLikeNoise(n, 0.05 + (0.5 * rng.NextDouble()), 16000, rng.Next());
        short[] tone = TestSignals.Tone(n, 100 + (3000 * rng.NextDouble()), 0.3 * rng.NextDouble(), 16000);
        int silence = rng.Next(n / 2);
        return [.. Enumerable.Range(0, n).Select(t => t < silence ? (short)0 : TestSignals.Clip(speech[t] + tone[t]))];
    }

    private static float[] Features(Mfcc mfcc, short[] clip)
    {
        var q = new int[mfcc.Frames * mfcc.Coefficients];
        mfcc.Features(clip, 0, q);
        return [.. q.Select(v => v / 65536f)];
    }

    private static int ArgMax(Interpreter interpreter)
    {
        int best = 0;
        for (int i = 1; i < interpreter.OutputLength; i++)
        {
            best = interpreter.GetOutput(i) > interpreter.GetOutput(best) ? i : best;
        }

        return best;
    }
}
