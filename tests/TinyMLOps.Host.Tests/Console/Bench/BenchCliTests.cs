using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console.Bench;

/// <summary>`bench` through the real command tree with an injected console.</summary>
public sealed class BenchCliTests : ConsoleTest
{
    [Fact]
    public void Bench_reports_both_runtimes_from_the_same_run()
    {
        string tmlm = Path.Combine(Dir.FullName, "cnn.tmlm");
        File.WriteAllBytes(tmlm, ModelWriter.Write(TinyMLOps.Modelling.Quantization.PostTrainingQuantizer.Quantize(TrainedModels.Cnn, TestData.Fashion.HeldOut)));
        Assert.Equal(0, Run("bench", tmlm, "--images", "50", "--rounds", "2"));
        string text = Out.ToString();
        Assert.Contains("ours", text);
        Assert.Contains("ORT", text);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(text, @"100\.00 %|9\d\.\d\d %"), text);
    }
}
