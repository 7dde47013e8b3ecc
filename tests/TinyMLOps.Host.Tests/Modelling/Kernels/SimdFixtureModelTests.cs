using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Kernels;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// Every fixture model, imported and quantized (or read as committed), runs on the SIMD backend and on the C# kernels
/// side by side: after each of 200 inferences the two arenas, every live intermediate included, are byte-identical.
/// </summary>
public sealed class SimdFixtureModelTests(ITestOutputHelper output)
{
    private const int Calibration = 50;
    private const int Inputs = 200;

    [Theory]
    [InlineData("reference/kws_dscnn.onnx")]
    [InlineData("reference/vww_mobilenetv1_025.onnx")]
    [InlineData("reference/ad_autoencoder.onnx")]
    [InlineData("reference/ic_resnet8.onnx")]
    [InlineData("reference/ops_mix.onnx")]
    [InlineData("reference/ops_conv1d.onnx")]
    [InlineData("calibration/depthwise_cnn.onnx")]
    [InlineData("calibration/pool_bn_cnn.onnx")]
    [InlineData("keywords/kws_mfcc_dscnn.onnx")]
    [InlineData("tabular/wine_mlp.onnx")]
    [InlineData("pytorch_cnn.onnx")]
    [InlineData("pytorch_view_cnn.onnx")]
    public void An_onnx_fixture_gives_the_same_bytes_on_the_simd_kernels_as_on_the_csharp_kernels(string file)
    {
        FloatModel model = OnnxImporter.Import(OnnxTestSupport.Fixture(file));
        float[][] calibration = [.. Enumerable.Range(0, Calibration).Select(i => Sample(file, model.Input, i))];
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, PostTrainingQuantizer.Calibrate(model, calibration), new QuantizationOptions { PixelInput = false });
        AssertIdentical(file, ModelReader.Read(ModelWriter.Write(int8)), i => Sample(file, model.Input, Calibration + i));
    }

    [Theory]
    [InlineData("pytorch_cnn.v1.tmlm")]
    [InlineData("pytorch_view_cnn.v1.tmlm")]
    public void A_committed_model_file_gives_the_same_bytes_on_the_simd_kernels_as_on_the_csharp_kernels(string file)
    {
        string path = Path.Combine(RepositoryRoot(), "tests", "TinyMLOps.Shared.Tests", "Fixtures", file);
        Int8Model model = ModelReader.Read(File.ReadAllBytes(path));
        var shape = new TensorShape(model.InputH, model.InputW, model.InputC);
        AssertIdentical(file, model, i => Sample(file, shape, i));
    }

    [Theory]
    [InlineData("pytorch_cnn.v1.tmlm")]
    [InlineData("pytorch_view_cnn.v1.tmlm")]
    public void Inference_on_the_simd_kernels_allocates_nothing_after_the_first_call(string file)
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        Int8Model model = ModelReader.Read(File.ReadAllBytes(Path.Combine(RepositoryRoot(), "tests", "TinyMLOps.Shared.Tests", "Fixtures", file)));
        var interpreter = new Interpreter(model, new SimdKernelBackend());
        var input = new sbyte[model.InputElements];
        new Random(5).NextBytes((byte[])(Array)input);
        interpreter.SetInput(input, 0);
        interpreter.Invoke();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            interpreter.SetInput(input, 0);
            interpreter.Invoke();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private void AssertIdentical(string file, Int8Model model, Func<int, float[]> input)
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var managed = new Interpreter(model, null);
        var simd = new Interpreter(model, new SimdKernelBackend());
        for (int i = 0; i < Inputs; i++)
        {
            float[] x = input(i);
            managed.SetInputFromFloats(x, 0);
            simd.SetInputFromFloats(x, 0);
            managed.Invoke();
            simd.Invoke();
            if (!simd.Arena.AsSpan().SequenceEqual(managed.Arena))
            {
                int first = Enumerable.Range(0, managed.ArenaBytes).First(k => simd.Arena[k] != managed.Arena[k]);
                Assert.Fail($"{file}, input {i}: arena byte {first} is {simd.Arena[first]} on the SIMD kernels, {managed.Arena[first]} on the C# kernels");
            }
        }

        string ops = string.Join(", ", model.Operators.GroupBy(o => o.Name).Select(g => $"{g.Count()} {g.Key}"));
        output.WriteLine($"{file}: {ops}; {model.TotalMacs:N0} MACs; {Inputs} inferences, arenas of {managed.ArenaBytes:N0} B identical");
    }

    /// <summary>
    /// Input i: the reference models' Fashion-MNIST transform, a Fashion-MNIST image for 28x28x1 inputs, else uniform
    /// values in [-1, 1) from a seed of i.
    /// </summary>
    private static float[] Sample(string file, TensorShape shape, int i)
    {
        var data = OnnxTestSupport.FashionMnistTest;
        if (file.StartsWith("reference/", StringComparison.Ordinal))
        {
            return ReferenceModelTests.Transform(Path.GetFileName(file), data.GetInput(i));
        }

        if (shape is { H: 28, W: 28, C: 1 })
        {
            return data.GetInput(i);
        }

        var random = new Random(i);
        return [.. Enumerable.Range(0, shape.H * shape.W * shape.C).Select(_ => (float)((random.NextDouble() * 2) - 1))];
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "tests", "TinyMLOps.Shared.Tests")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }
}
