using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console.Bench;

/// <summary>`bench` through the real command tree with an injected console.</summary>
public sealed class BenchCliTests : ConsoleTest
{
    [Fact]
    public void Bench_reports_the_csharp_kernels_the_simd_kernels_and_onnx_runtime_from_the_same_run()
    {
        string tmlm = Path.Combine(Dir.FullName, "cnn.tmlm");
        File.WriteAllBytes(tmlm, ModelWriter.Write(TinyMLOps.Modelling.Quantization.PostTrainingQuantizer.Quantize(TrainedModels.Cnn, TestData.Fashion.HeldOut)));
        Assert.Equal(0, Run("bench", tmlm, "--images", "50", "--rounds", "2"));
        string text = Out.ToString();
        Assert.Contains("managed median", text);
        Assert.Contains("ORT", text);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(text, @"top-1 agreement\s*│\s*(100\.00 %|9\d\.\d\d %)"), text);
        if (TinyMLOps.Modelling.Kernels.SimdKernelBackend.IsSupported)
        {
            // Measured beside the others, and bit-exact with the C# kernels on every input of the run.
            Assert.Matches(@"SIMD / ORT\s*│\s*\d+\.\d\d", text);
            Assert.Matches(@"SIMD bytes = managed\s*│\s*100\.00 %", text);
        }
    }
}
