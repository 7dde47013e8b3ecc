using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Protection;
using TinyMLOps.Firmware.Tests.Metering;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Firmware.Tests.Protection;

public class QueryPatternTests
{
    private static DeviceMeter Open(MemoryStorage storage, ListSink sink, FakeClock clock, MeterOptions? options = null) =>
        new(storage, MeterKeys.DeviceId, MeterKeys.Device, 1, clock, sink, options ?? new MeterOptions());

    private static void Run(DeviceMeter meter, FakeClock clock, int count, Func<int, int> flags, long stepMillis = 1000)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(MeterDecisions.Runs(meter.Decide("kws")));
            meter.Count("kws", "kws-int8", clock.UnixSeconds, flags(i));
            clock.Advance(stepMillis);
        }
    }

    private static UsageReceipt Decode(byte[] encoding) => UsageReceipt.Decode(encoding);

    [Fact]
    public void The_signals_of_counted_inferences_ride_on_the_next_signed_receipt()
    {
        var (storage, sink, clock) = (new MemoryStorage(), new ListSink(), new FakeClock());
        var meter = Open(storage, sink, clock);
        Run(meter, clock, 100, i => QuerySignalFlags.Observed
            | (i % 4 == 0 ? QuerySignalFlags.LowConfidence : 0)
            | (i % 10 == 0 ? QuerySignalFlags.OutOfDistribution : 0)
            | (i % 5 == 0 ? QuerySignalFlags.NearDuplicate : 0));
        Assert.Equal(1, meter.Flush(clock.UnixSeconds));

        var r = Decode(Assert.Single(sink.Taken));
        Assert.True(r.VerifyTag(MeterKeys.Device));
        Assert.NotNull(r.Signals);
        Assert.Equal((100u, 25u, 10u, 20u), (r.Signals!.Observed, r.Signals.LowConfidence, r.Signals.OutOfDistribution, r.Signals.NearDuplicate));

        // Taken: the next receipt starts from zero.
        Run(meter, clock, 10, _ => QuerySignalFlags.Observed);
        meter.Flush(clock.UnixSeconds);
        var next = Decode(sink.Taken[1]);
        Assert.Equal((10u, 0u, 0u, 0u), (next.Signals!.Observed, next.Signals.LowConfidence, next.Signals.OutOfDistribution, next.Signals.NearDuplicate));
    }

    [Fact]
    public void A_receipt_capped_below_the_tally_takes_its_share_and_leaves_the_rest_for_the_next()
    {
        var (storage, sink, clock) = (new MemoryStorage(), new ListSink(), new FakeClock());
        var meter = Open(storage, sink, clock, new MeterOptions { MaxReceiptCount = 60 });

        // The cut at 60 happens inside Count, before the 60th inference's signals are tallied: those wait for the next receipt.
        Run(meter, clock, 100, i => QuerySignalFlags.Observed | (i % 2 == 0 ? QuerySignalFlags.NearDuplicate : 0));
        meter.Flush(clock.UnixSeconds);
        var receipts = sink.Taken.Select(Decode).ToList();
        Assert.Equal([60u, 40u], receipts.Select(r => r.Count));
        Assert.Equal(100u, (uint)receipts.Sum(r => r.Signals!.Observed));
        Assert.Equal(50u, (uint)receipts.Sum(r => r.Signals!.NearDuplicate));
        Assert.All(receipts, r => Assert.True(r.Signals!.Observed <= r.Count));
    }

    [Fact]
    public void Inferences_counted_without_signals_leave_observed_below_the_count()
    {
        var (storage, sink, clock) = (new MemoryStorage(), new ListSink(), new FakeClock());
        var meter = Open(storage, sink, clock);
        Run(meter, clock, 10, _ => QuerySignalFlags.None);
        Run(meter, clock, 10, _ => QuerySignalFlags.Observed | QuerySignalFlags.OutOfDistribution);
        meter.Flush(clock.UnixSeconds);
        var r = Decode(Assert.Single(sink.Taken));
        Assert.Equal((20u, 10u, 10u), (r.Count, r.Signals!.Observed, r.Signals.OutOfDistribution));
    }

    [Fact]
    public void The_normal_rate_is_learnt_per_active_hour_and_survives_a_reboot_with_the_chain_head()
    {
        var (storage, sink, clock) = (new MemoryStorage(), new ListSink(), new FakeClock { UnixSeconds = 1_699_999_200 }); // an hour boundary
        var meter = Open(storage, sink, clock);
        Assert.Equal(0u, meter.Pattern!.BaselinePerHour);

        // Three hours at 120 per hour, a silent day (idle hours do not count), then an hour at 600.
        for (int h = 0; h < 3; h++)
        {
            Run(meter, clock, 120, _ => QuerySignalFlags.Observed, stepMillis: 30_000);
        }

        clock.Advance(24 * 3600 * 1000L);
        Run(meter, clock, 600, _ => QuerySignalFlags.Observed, stepMillis: 6_000);
        Run(meter, clock, 1, _ => QuerySignalFlags.Observed); // opens the next hour, closing the busy one
        Assert.Equal(4u, meter.Pattern.ActiveHours);
        Assert.Equal(120u + ((600u - 120u) / 16), meter.Pattern.BaselinePerHour);

        // The receipts carry the baseline from before their range, and the head keeps the rate state across a reboot.
        meter.Flush(clock.UnixSeconds);
        var last = Decode(sink.Taken[^1]);
        Assert.Equal(meter.Pattern.BaselinePerHour, last.Signals!.BaselinePerHour);
        var again = Open(storage, new ListSink(), clock);
        Assert.Equal(meter.Pattern.BaselinePerHour, again.Pattern!.BaselinePerHour);
        Assert.Equal(4u, again.Pattern.ActiveHours);
    }

    [Fact]
    public void With_signals_off_the_meter_sends_version_1_receipts()
    {
        var (storage, sink, clock) = (new MemoryStorage(), new ListSink(), new FakeClock());
        var options = new MeterOptions();
        options.Signals.Enabled = false;
        var meter = Open(storage, sink, clock, options);
        Assert.Null(meter.Pattern);
        Run(meter, clock, 5, _ => QuerySignalFlags.Observed | QuerySignalFlags.LowConfidence);
        meter.Flush(clock.UnixSeconds);
        var encoding = Assert.Single(sink.Taken);
        Assert.Equal(UsageReceipt.VersionWithoutSignals, encoding[0]);
        Assert.Null(Decode(encoding).Signals);
    }

    [Fact]
    public void A_chain_head_written_before_signals_existed_still_opens()
    {
        var (storage, sink, clock) = (new MemoryStorage(), new ListSink(), new FakeClock());
        var options = new MeterOptions();
        options.Signals.Enabled = false;
        var old = Open(storage, sink, clock, options);
        Run(old, clock, 7, _ => QuerySignalFlags.None);
        old.Flush(clock.UnixSeconds);

        var upgraded = Open(storage, sink, clock);
        Assert.Equal(7UL, upgraded.ReceiptedUpTo("kws"));
        Assert.Equal(1u, upgraded.LastReceiptSeq);
        Run(upgraded, clock, 3, _ => QuerySignalFlags.Observed);
        upgraded.Flush(clock.UnixSeconds);

        // The old boot's unused reservation comes back as a recovered range that observed nothing; the new inferences carry theirs.
        var after = sink.Taken.Skip(1).Select(Decode).ToList();
        Assert.Equal([2u, 3u], after.Select(r => r.ReceiptSeq));
        Assert.True(after[0].Recovered);
        Assert.Equal(0u, after[0].Signals!.Observed);
        Assert.Equal((3u, 3u), (after[1].Count, after[1].Signals!.Observed));
    }
}
