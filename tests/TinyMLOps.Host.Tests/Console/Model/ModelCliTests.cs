using Google.Protobuf;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>The model verbs, run through the real command tree with an injected console.</summary>
public sealed class ModelCliTests : ConsoleTest
{
    [Fact]
    public void Quantize_then_inspect_then_eval_then_export_run_end_to_end()
    {
        string onnx = Path.Combine(Dir.FullName, "mlp.onnx");
        string tmlm = Path.Combine(Dir.FullName, "mlp.tmlm");
        string int8Onnx = Path.Combine(Dir.FullName, "mlp-int8.onnx");
        File.WriteAllBytes(onnx, OnnxExporter.ExportFloat(TrainedModels.Mlp).ToByteArray());

        Assert.Equal(0, Run("model", "quantize", onnx, "-o", tmlm, "--model-id", "fashion-mlp", "--variant-id", "mlp-test", "--calibration", "500"));
        var model = ModelReader.Read(File.ReadAllBytes(tmlm));
        Assert.Equal("fashion-mlp", model.ModelId);
        Assert.Equal("mlp-test", model.VariantId);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "inspect", tmlm));
        string inspect = Out.ToString();
        Assert.Contains("FullyConnected", inspect);
        Assert.Contains($"MACs {model.TotalMacs:N0}", inspect);
        Assert.Contains($"flash bytes {model.FileBytes:N0}", inspect);
        Assert.Matches(@"arena bytes [1-9][\d,]*", inspect);

        // Per board: interpreted against native estimates, the native one many times faster.
        var esp32 = TinyMLOps.Modelling.Boards.BoardCatalog.Default.Get("esp32-devkitc");
        var summary = TinyMLOps.Modelling.Inspection.ModelSummary.Of(File.ReadAllBytes(tmlm));
        double interpreted = TinyMLOps.Modelling.Boards.CostModel.Estimate(esp32, summary, native: false).LatencyMs;
        double native = TinyMLOps.Modelling.Boards.CostModel.Estimate(esp32, summary, native: true).LatencyMs;
        Assert.Contains($"{interpreted:0.0}", inspect);
        Assert.Contains($"{interpreted / native:0.0}x", inspect);
        Assert.True(interpreted / native > 10);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--limit", "500"));
        Assert.Matches(@"accuracy \d+\.\d+ % \(\d+ of 500\)", Out.ToString());
        Assert.Contains("Ankle boot", Out.ToString());

        Assert.Equal(0, Run("model", "export-onnx", tmlm, "-o", int8Onnx));
        Assert.Equal(int8Onnx, Assert.Single(Directory.GetFiles(Dir.FullName, "*-int8.onnx")));
        Assert.NotNull(ModelProto.Parse(File.ReadAllBytes(int8Onnx)));
    }

    [Fact]
    public void A_corrupt_model_gets_a_one_line_error_and_exit_code_1()
    {
        string bad = Path.Combine(Dir.FullName, "bad.tmlm");
        File.WriteAllBytes(bad, "TMLM not really a model"u8.ToArray());
        Assert.Equal(1, Run("model", "inspect", bad));
        string text = Out.ToString().Trim();
        Assert.StartsWith("error:", text);
        Assert.DoesNotContain("   at ", text);
    }
}
