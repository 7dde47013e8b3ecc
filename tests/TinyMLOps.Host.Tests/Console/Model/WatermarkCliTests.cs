using Google.Protobuf;
using TinyMLOps.Host.Tests.Modelling.Watermarking;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>model watermark and model verify-watermark through the real command tree.</summary>
public sealed class WatermarkCliTests : ConsoleTest
{
    [Fact]
    public void Watermark_creates_a_key_and_verify_finds_the_mark_in_the_int8_and_onnx_outputs_but_not_in_an_unmarked_model()
    {
        string onnx = Path.Combine(Dir.FullName, "mlp.onnx");
        File.WriteAllBytes(onnx, OnnxExporter.ExportFloat(WatermarkFixture.Clone(TrainedModels.Mlp)).ToByteArray());
        string key = Path.Combine(Dir.FullName, "key.json");
        string marked = Path.Combine(Dir.FullName, "marked.tmlm");
        string markedOnnx = Path.Combine(Dir.FullName, "marked.onnx");
        string plain = Path.Combine(Dir.FullName, "plain.tmlm");

        Assert.Equal(0, Run("model", "watermark", onnx, "--key", key, "--out", marked, "--variant-id", "mlp-64"));
        Assert.Contains("new key key.json: 64 bits on dense layer 0 (784x64)", Out.ToString());
        Assert.Contains("bit error rate 0.0", Out.ToString());
        WatermarkKey saved = WatermarkKey.Load(key);
        Assert.Equal(64, saved.BitCount);
        Assert.Equal("mlp-64", ModelReader.Read(File.ReadAllBytes(marked)).VariantId);

        // The same key again, float output.
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "watermark", onnx, "--key", key, "--out", markedOnnx));
        Assert.Contains("key key.json: 64 bits", Out.ToString());
        Assert.Equal(saved, WatermarkKey.Load(key));

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "verify-watermark", marked, "--key", key));
        Assert.Contains("bit error rate 0.0", Out.ToString());
        Assert.Contains("64 of 64 bits match", Out.ToString());
        Assert.Contains("verdict: WATERMARK PRESENT", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "verify-watermark", markedOnnx, "--key", key));
        Assert.Contains("verdict: WATERMARK PRESENT", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "quantize", onnx, "--out", plain));
        Out.GetStringBuilder().Clear();
        Assert.Equal(2, Run("model", "verify-watermark", plain, "--key", key));
        Assert.Contains("verdict: no watermark", Out.ToString());
        Assert.Matches(@"false-positive probability \(an unmarked model this close\): \d\.\d\dE[-+]\d+", Out.ToString());
    }

    [Fact]
    public void Verify_with_a_key_for_another_shape_fails_with_a_one_line_error()
    {
        string onnx = Path.Combine(Dir.FullName, "mlp.onnx");
        File.WriteAllBytes(onnx, OnnxExporter.ExportFloat(WatermarkFixture.Clone(TrainedModels.Mlp)).ToByteArray());
        string key = Path.Combine(Dir.FullName, "key.json");
        WatermarkKey.Create(0, 100, 32).Save(key);

        Assert.Equal(1, Run("model", "verify-watermark", onnx, "--key", key));
        Assert.Contains("the key is for 100x32", Out.ToString());
    }
}
