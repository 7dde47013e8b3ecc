using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

/// <summary>The device-day metering benchmark counts what the firmware meter really writes and sends.</summary>
public sealed class MeterDeviceBenchmarkTests
{
    [Fact]
    public void A_device_day_at_one_inference_a_second_cuts_hourly_receipts_and_writes_within_the_documented_formula()
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-meter-day-").FullName;
        try
        {
            var r = MeterDeviceBenchmark.Run(dir, blockSize: 64);
            Assert.Equal(86_400, r.Inferences);
            Assert.Equal(24, r.Receipts);

            // docs/metering.md: counter writes 1000/N to (1000/N)(1 + 4r/C), plus 4 per receipt for the chain head.
            double low = 1000.0 / 64;
            double high = (1000.0 / 64 * (1 + (4.0 * 51 / 4096))) + (4.0 * 24 * 1000 / 86_400) + 0.1;
            Assert.InRange(r.FlashWritesPer1000, low, high);
            Assert.InRange(r.ReceiptWireBytes / (double)r.Receipts, 120, 220);
            Assert.True(r.Ratio > 500, $"ratio {r.Ratio}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
