using Spectre.Console;
using TinyMLOps.Console;
using TinyMLOps.Host.Onnx;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console;

/// <summary>The console verbs, run through the real command tree with an injected console.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tinymlops-cli-");
    private readonly StringWriter _out = new();
    private readonly IAnsiConsole _console;

    public CliTests()
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_out),
        });
        _console.Profile.Width = 200;
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Quantize_then_inspect_then_eval_then_export_run_end_to_end()
    {
        string onnx = Path.Combine(_dir.FullName, "mlp.onnx");
        string tmlm = Path.Combine(_dir.FullName, "mlp.tmlm");
        string int8Onnx = Path.Combine(_dir.FullName, "mlp-int8.onnx");
        File.WriteAllBytes(onnx, OnnxExporter.ExportFloat(TrainedModels.Mlp).ToByteArray());

        Assert.Equal(0, Run("model", "quantize", onnx, "-o", tmlm, "--model-id", "fashion-mlp", "--variant-id", "mlp-test", "--calibration", "500"));
        var model = ModelReader.Read(File.ReadAllBytes(tmlm));
        Assert.Equal("fashion-mlp", model.ModelId);
        Assert.Equal("mlp-test", model.VariantId);

        _out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "inspect", tmlm));
        string inspect = _out.ToString();
        Assert.Contains("FullyConnected", inspect);
        Assert.Contains($"MACs {model.TotalMacs:N0}", inspect);
        Assert.Contains($"flash bytes {model.FileBytes:N0}", inspect);
        Assert.Matches(@"arena bytes [1-9][\d,]*", inspect);

        _out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--limit", "500"));
        Assert.Matches(@"accuracy \d+\.\d+ % \(\d+ of 500\)", _out.ToString());
        Assert.Contains("Ankle boot", _out.ToString());

        Assert.Equal(0, Run("model", "export-onnx", tmlm, "-o", int8Onnx));
        Assert.Equal(int8Onnx, Assert.Single(Directory.GetFiles(_dir.FullName, "*-int8.onnx")));
        Assert.NotNull(ModelProto.Parse(File.ReadAllBytes(int8Onnx)));
    }

    [Fact]
    public void A_corrupt_model_gets_a_one_line_error_and_exit_code_1()
    {
        string bad = Path.Combine(_dir.FullName, "bad.tmlm");
        File.WriteAllBytes(bad, "TMLM not really a model"u8.ToArray());
        Assert.Equal(1, Run("model", "inspect", bad));
        string text = _out.ToString().Trim();
        Assert.StartsWith("error:", text);
        Assert.DoesNotContain("   at ", text);
    }

    [Fact]
    public void Bench_reports_both_runtimes_from_the_same_run()
    {
        string tmlm = Path.Combine(_dir.FullName, "cnn.tmlm");
        File.WriteAllBytes(tmlm, ModelWriter.Write(TinyMLOps.Host.Quantization.PostTrainingQuantizer.Quantize(TrainedModels.Cnn, TestData.Fashion.HeldOut)));
        Assert.Equal(0, Run("bench", tmlm, "--images", "50", "--rounds", "2"));
        string text = _out.ToString();
        Assert.Contains("ours", text);
        Assert.Contains("ORT", text);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(text, @"100\.00 %|9\d\.\d\d %"), text);
    }

    private int Run(params string[] args) => Cli.Run(args, _console, _out);
}
