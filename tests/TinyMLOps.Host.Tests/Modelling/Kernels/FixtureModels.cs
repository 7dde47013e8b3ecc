using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// Every ONNX model fixture of this test project (PyTorch exports the project did not tune its kernels to), imported
/// and quantized on seeded random calibration inputs, for tests that run whole models on another kernel backend.
/// Quantized once per test run.
/// </summary>
internal static class FixtureModels
{
    public static readonly string[] Files =
    [
        "pytorch_cnn.onnx", "pytorch_view_cnn.onnx",
        "reference/kws_dscnn.onnx", "reference/vww_mobilenetv1_025.onnx", "reference/ad_autoencoder.onnx",
        "reference/ic_resnet8.onnx", "reference/ops_mix.onnx", "reference/ops_conv1d.onnx",
        "calibration/depthwise_cnn.onnx", "calibration/pool_bn_cnn.onnx",
        "keywords/kws_mfcc_dscnn.onnx", "tabular/wine_mlp.onnx",
    ];

    private static readonly Dictionary<string, Lazy<byte[]>> Quantized =
        Files.ToDictionary(f => f, f => new Lazy<byte[]>(() => Quantize(f)));

    public static TheoryData<string> All() => [.. Files];

    /// <summary>A fresh copy of the quantized model (operators hold per-interpreter state).</summary>
    public static Int8Model Load(string file) => ModelReader.Read(Quantized[file].Value);

    private static byte[] Quantize(string file)
    {
        FloatModel model = OnnxImporter.Import(OnnxTestSupport.Fixture(file));
        var rng = new Random(file.Length * 7919);
        int size = model.Input.H * model.Input.W * model.Input.C;
        float[][] calibration = [.. Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, size).Select(_ => (float)rng.NextDouble()).ToArray())];
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, PostTrainingQuantizer.Calibrate(model, calibration), new QuantizationOptions { PixelInput = false });
        return ModelWriter.Write(int8);
    }
}
