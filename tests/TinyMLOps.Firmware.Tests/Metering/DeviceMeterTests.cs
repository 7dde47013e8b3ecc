using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Firmware.Tests.Metering;

public class DeviceMeterTests
{
    private static DeviceMeter Open(MemoryStorage storage, ListSink sink, FakeClock clock, uint boot = 1, MeterOptions? options = null) =>
        new(storage, MeterKeys.DeviceId, MeterKeys.Device, boot, clock, sink, options ?? new MeterOptions());

    [Fact]
    public void Counted_inferences_come_out_as_one_signed_receipt_on_flush()
    {
        var storage = new MemoryStorage();
        var sink = new ListSink();
        var clock = new FakeClock();
        var meter = Open(storage, sink, clock);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(MeterDecision.Allow, meter.Decide("kws"));
            Assert.Equal((ulong)i, meter.Count("kws", "kws-int8", clock.UnixSeconds));
            clock.Advance(1000);
        }

        Assert.Equal(0, meter.Poll(clock.UnixSeconds));
        Assert.Equal(1, meter.Flush(clock.UnixSeconds));
        var chain = ReceiptLedger.Verify(sink.Taken);
        var r = Assert.Single(chain);
        Assert.Equal(("kws", "kws-int8", 0UL, 100u, 0), (r.ModelId, r.VariantId, r.First, r.Count, r.Flags));
        Assert.Equal(1_700_000_000u, r.WindowStart);
        Assert.Equal(1_700_000_099u, r.WindowEnd);
        Assert.Equal(1u, r.BootCount);
        Assert.Equal(100UL, meter.ReceiptedUpTo("kws"));
        Assert.Equal(1, meter.ReceiptsEmitted);
    }
}
