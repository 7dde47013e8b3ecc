using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

/// <summary>
/// The calibration fixtures (Fixtures/calibration: CNNs trained on the first 8,000 Fashion-MNIST test images whose
/// long-tailed activations defeat min/max calibration): float accuracy from ONNX Runtime on the last 2,000 images
/// against the int8 interpreter's, for each calibration method.
/// </summary>
public class CalibrationFixtureTests(ITestOutputHelper output)
{
    private const int Train = 8_000;
    private const int Holdout = 2_000;
    private const int CalibrationImages = 1_000;

    [Theory]
    [InlineData("pool_bn_cnn.onnx")]
    [InlineData("depthwise_cnn.onnx")]
    public void The_default_calibration_loses_less_than_min_max_on_a_fixture_that_defeats_it(string file)
    {
        var defaults = new QuantizationOptions();
        (double fp, double minMax, double ours) = Compare(file, defaults.CalibrationMethod, defaults.BiasCorrection);
        Assert.True(fp - minMax > 2, $"the fixture should defeat min/max (it loses {fp - minMax:F2} points)");
        Assert.True(ours - minMax > 1, $"min/max loses {fp - minMax:F2} points, the default {fp - ours:F2}");
    }

    [Fact]
    public void Percentile_clipping_with_bias_correction_keeps_the_padded_pool_cnn_within_one_point_of_float()
    {
        (double fp, double minMax, double ours) = Compare("pool_bn_cnn.onnx", CalibrationMethod.Percentile, biasCorrection: true);
        Assert.True(fp - ours < 1, $"percentile with bias correction loses {fp - ours:F2} points (min/max {fp - minMax:F2})");
    }

    [Theory]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Mse)]
    public void Clipping_alone_loses_less_than_min_max_on_the_padded_pool_cnn(CalibrationMethod method)
    {
        (double fp, double minMax, double clipped) = Compare("pool_bn_cnn.onnx", method, biasCorrection: false);
        Assert.True(clipped - minMax > 1, $"min/max loses {fp - minMax:F2} points, {method} {fp - clipped:F2}");
    }

    [Fact]
    public void Bias_correction_recovers_more_than_half_of_the_depthwise_cnns_min_max_loss()
    {
        // Its loss is mostly a bias: the bulk of one tensor falls under half a step and rounds to zero.
        (double fp, double minMax, double corrected) = Compare("depthwise_cnn.onnx", CalibrationMethod.MinMax, biasCorrection: true);
        Assert.True(fp - corrected < (fp - minMax) / 2, $"min/max loses {fp - minMax:F2} points, with bias correction {fp - corrected:F2}");
    }

    [Fact]
    public void Equalization_keeps_the_depthwise_cnn_within_one_point_of_float_with_the_default_options()
    {
        string path = OnnxTestSupport.FixturePath(Path.Combine("calibration", "depthwise_cnn.onnx"));
        (double fp, double equalized) = Measure(path, new QuantizationOptions());
        (_, double plain) = Measure(path, new QuantizationOptions { Equalization = false });
        output.WriteLine($"depthwise_cnn.onnx: float (ONNX Runtime) {fp:F2} %, int8 default {equalized:F2} %, without equalization {plain:F2} %");
        Assert.True(fp - equalized < 1, $"the default loses {fp - equalized:F2} points ({fp - plain:F2} without equalization)");
    }

    /// <summary>Float (ONNX Runtime) and int8 accuracies in points; the int8 model quantized with <paramref name="options"/>.</summary>
    internal static (double Float, double Int8) Measure(string path, QuantizationOptions options)
    {
        byte[] onnx = File.ReadAllBytes(path);
        FloatModel model = OnnxImporter.Import(onnx);
        ImageDataset data = OnnxTestSupport.FashionMnistTest;
        ImageDataset holdout = data.Slice(Train, Holdout);
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, data.Take(CalibrationImages), options with { PixelInput = false });
        return (FloatAccuracy(onnx, holdout) * 100, Evaluation.Evaluate(int8, holdout).Accuracy * 100);
    }

    /// <summary>Top-1 accuracy of the ONNX model in ONNX Runtime; its input is [N, 1, 28, 28] pixels / 255 (NCHW = HWC for one channel).</summary>
    internal static double FloatAccuracy(byte[] onnx, ImageDataset data)
    {
        using InferenceSession session = OnnxTestSupport.Session(onnx);
        float[] inputs = data.GetInputs(0, data.Count);
        float[] logits = OnnxTestSupport.Run<float, float>(session, inputs, [data.Count, 1, data.Height, data.Width], "output")[0];
        int classes = logits.Length / data.Count, correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            correct += OnnxTestSupport.ArgMax<float>(logits.AsSpan(i * classes, classes)) == data.Labels[i] ? 1 : 0;
        }

        return (double)correct / data.Count;
    }

    /// <summary>Float (ONNX Runtime), plain min/max and <paramref name="method"/> accuracies of a fixture without equalization, in points.</summary>
    private (double Float, double MinMax, double Method) Compare(string file, CalibrationMethod method, bool biasCorrection)
    {
        string path = OnnxTestSupport.FixturePath(Path.Combine("calibration", file));
        (double fp, double minMax) = Measure(path, new QuantizationOptions { CalibrationMethod = CalibrationMethod.MinMax, BiasCorrection = false, Equalization = false });
        (_, double other) = Measure(path, new QuantizationOptions { CalibrationMethod = method, BiasCorrection = biasCorrection, Equalization = false });
        output.WriteLine($"{file}: float (ONNX Runtime) {fp:F2} %, int8 min/max {minMax:F2} %, {method}{(biasCorrection ? " + bias correction" : string.Empty)} {other:F2} %");
        return (fp, minMax, other);
    }
}

/// <summary>
/// Not a test of the product: prints the calibration table of docs/benchmarks.md for every .onnx file in the folder
/// TINYMLOPS_CALIBRATION_TABLE names (does nothing without it).
/// </summary>
public class CalibrationTable(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        string? folder = Environment.GetEnvironmentVariable("TINYMLOPS_CALIBRATION_TABLE");
        if (folder == null)
        {
            return;
        }

        foreach (string path in Directory.GetFiles(folder, "*.onnx").Order())
        {
            foreach (bool cle in new[] { false, true })
            {
                var row = new List<string>();
                double fp = 0;
                foreach ((CalibrationMethod m, bool bc) in new[] { (CalibrationMethod.MinMax, false), (CalibrationMethod.Percentile, false), (CalibrationMethod.Mse, false), (CalibrationMethod.MinMax, true), (CalibrationMethod.Percentile, true), (CalibrationMethod.Mse, true) })
                {
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    (fp, double acc) = CalibrationFixtureTests.Measure(path, new QuantizationOptions { CalibrationMethod = m, BiasCorrection = bc, Equalization = cle });
                    row.Add($"{m}{(bc ? "+bc" : string.Empty)} {acc:F2} ({sw.ElapsedMilliseconds} ms)");
                }

                output.WriteLine($"{Path.GetFileName(path)}{(cle ? " +cle" : string.Empty)}: float {fp:F2} | {string.Join(" | ", row)}");
            }
        }
    }
}
