using TinyMLOps.Firmware.Bench;
using TinyMLOps.Simulation.Benchmarks;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

/// <summary>
/// Smoke test of `bench nanoclr` in its quick mode: the three columns parse into sane figures. It asserts orders
/// only (nanoCLR slower than .NET and C), never a timing. Skipped, with the reason, without the toolchain or gcc.
/// </summary>
public sealed class InterpreterBenchmarkTests(ITestOutputHelper output)
{
    [InterpreterBenchFact]
    public void Quick_run_gives_positive_figures_with_nanoclr_slower_than_dotnet_and_c()
    {
        var report = InterpreterBenchmark.Run(2_000_000);

        Assert.Null(report.NanoClrMissing);
        Assert.Null(report.GccMissing);
        Assert.Equal(BenchSuite.KernelCount, report.Kernels.Count);
        Assert.Equal(BenchSuite.Count - BenchSuite.KernelCount, report.Variants.Count);
        foreach (var k in report.Kernels)
        {
            output.WriteLine($"{k.Name}: nanoCLR {k.NanoClrNsPerMac:0.0} ns/MAC, .NET {k.DotnetNsPerMac:0.00}, C {k.CNsPerMac:0.00}");
            Assert.True(k.DotnetNsPerMac > 0 && k.CNsPerMac > 0 && k.NanoClrNsPerMac > 0, k.Name);
            Assert.True(k.NanoClrNsPerMac > k.DotnetNsPerMac && k.NanoClrNsPerMac > k.CNsPerMac, k.Name + ": nanoCLR should be the slowest");
        }

        foreach (var v in report.Variants)
        {
            Assert.True(v.DotnetMs > 0 && v.NanoClrMs > v.DotnetMs, v.Name + ": nanoCLR should be slower than .NET");
        }

        Assert.True(report.InterpreterFactor > 1, "interpreter factor " + report.InterpreterFactor);
    }

    [Fact]
    public void A_bench_line_parses_and_other_lines_do_not()
    {
        var m = InterpreterMeasurement.Parse("bench,FullyConnected 784x128,100352,10,2000000,27");

        Assert.NotNull(m);
        Assert.Equal(100352, m.Macs);
        Assert.Equal(20_000_000, m.NsPerRun, 3);
        Assert.Null(InterpreterMeasurement.Parse("bench-start,items=9,budget-ticks=1"));
        Assert.Null(InterpreterMeasurement.Parse("ok   shared/TinyMLOps.Shared/TinyMLOps.Shared.nfproj -> x.dll"));
        Assert.Null(InterpreterMeasurement.Parse("bench,x,0,1,1,0"));
    }

    /// <summary>Skipped, with the reason, where the nanoFramework toolchain or gcc is absent.</summary>
    public sealed class InterpreterBenchFactAttribute : FactAttribute
    {
        public InterpreterBenchFactAttribute()
        {
            string kit = InterpreterBenchmark.ToolchainDirectory(InterpreterBenchmark.RepositoryRoot());
            if (!File.Exists(Path.Combine(kit, "run")))
            {
                Skip = "no nanoFramework toolchain at " + kit + " (set TINYMLOPS_NANOFRAMEWORK): bench nanoclr not run";
            }
            else if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "gcc"))))
            {
                Skip = "no gcc on the PATH: bench nanoclr's C column cannot run";
            }
        }
    }
}
