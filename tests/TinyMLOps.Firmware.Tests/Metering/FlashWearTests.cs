using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Platform;
using Xunit.Abstractions;

namespace TinyMLOps.Firmware.Tests.Metering;

/// <summary>
/// Flash writes per 1,000 inferences (docs/metering.md). The counter appends one record per block of N, and a
/// compaction (two writes) each time the log has grown by about half the compaction threshold; the chain head
/// costs four writes per receipt.
/// </summary>
public class FlashWearTests(ITestOutputHelper output)
{
    private const int Inferences = 100_000;

    /// <summary>Bytes of one counter record of model "kws", variant "kws-int8", framing included.</summary>
    private const int RecordBytes = 8 + 1 + 1 + 4 + 9 + 8 + 8 + 4 + 4 + 4;

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    public void Flash_writes_per_thousand_inferences_match_the_documented_formula(int block)
    {
        var storage = new MemoryStorage();
        var clock = new FakeClock();
        var sink = new ListSink();
        var options = new MeterOptions { BlockSize = block };
        var meter = new DeviceMeter(storage, MeterKeys.DeviceId, MeterKeys.Device, 1, clock, sink, options);
        meter.Decide("kws", "kws-int8", clock.UnixSeconds);
        Assert.Equal(RecordBytes, storage.Length(MeterOptions.DefaultCounterFile));
        for (int i = 0; i < Inferences; i++)
        {
            Assert.Equal(MeterDecision.Allow, meter.Decide("kws", "kws-int8", clock.UnixSeconds));
            meter.Count("kws", "kws-int8", clock.UnixSeconds);
            clock.Advance(1000);
            if (i % 60 == 59)
            {
                meter.Poll(clock.UnixSeconds);
            }
        }

        var counter = meter.Counter;
        double perThousand = counter.FlashWrites * 1000.0 / Inferences;
        double floor = 1000.0 / block;
        double ceiling = floor * (1 + (4.0 * RecordBytes / options.CounterLogCompactBytes));
        output.WriteLine($"N={block}: counter {counter.FlashWrites} writes ({counter.Appends} appends, {counter.Compactions} compactions) = {perThousand:0.00} per 1,000 inferences; formula {floor:0.00} to {ceiling:0.00}");
        output.WriteLine($"N={block}: chain head {meter.Receipts.FlashWrites} writes for {meter.Receipts.Cut} receipts; whole meter {meter.FlashWrites * 1000.0 / Inferences:0.00} per 1,000");

        Assert.Equal(counter.FileBytes, storage.Length(MeterOptions.DefaultCounterFile));
        Assert.Equal((Inferences + block - 1) / block, counter.Appends);
        Assert.Equal(counter.Appends, counter.Reservations);
        Assert.Equal(counter.Appends + (2 * counter.Compactions), counter.FlashWrites);
        Assert.InRange(perThousand, floor, ceiling);
        Assert.Equal(4 * meter.Receipts.Cut, meter.Receipts.FlashWrites);
        Assert.Equal(0, meter.Quota.FlashWrites);
        Assert.True(storage.Length(MeterOptions.DefaultCounterFile) <= options.CounterLogCompactBytes);

        // One receipt per window of an hour (3,600 inferences at one a second).
        Assert.Equal(Inferences / 3600, meter.Receipts.Cut);
    }
}
