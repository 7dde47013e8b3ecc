using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

/// <summary>The ledger benchmark measures what it claims: every signed inference billed, every stage measured.</summary>
public sealed class MeterBenchmarkTests
{
    [Fact]
    public async Task The_benchmark_bills_every_signed_inference_and_reports_each_stage()
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-meter-bench-").FullName;
        try
        {
            var report = await MeterBenchmark.RunAsync(dir, devices: 3, receiptsPerDevice: 40, rounds: 1);
            Assert.Equal(120, report.Receipts);
            Assert.Equal(report.Expected, report.Billed);
            Assert.True(report.Expected > 120);
            Assert.Equal(report.ReceiptBytes - 12, report.TaggedMessageBytes);
            Assert.All([report.HmacPerSecond, report.VerifyPerSecond, report.LedgerPerSecond], r => Assert.True(double.IsFinite(r) && r > 0));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
