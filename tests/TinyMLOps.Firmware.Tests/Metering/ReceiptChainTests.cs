using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Firmware.Tests.Metering;

public class ReceiptChainTests
{
    private sealed class Rig
    {
        public MemoryStorage Storage { get; } = new();

        public ListSink Sink { get; } = new();

        public FakeClock Clock { get; } = new();

        public MeterOptions Options { get; } = new() { BlockSize = 8, MaxReceiptCount = 100, MaxWindowSeconds = 600 };

        public uint Boot { get; private set; }

        public DeviceMeter Meter { get; private set; } = null!;

        public Rig() => Restart();

        public DeviceMeter Restart()
        {
            Boot++;
            Clock.Reboot();
            Meter = new DeviceMeter(Storage, MeterKeys.DeviceId, MeterKeys.Device, Boot, Clock, Sink, Options);
            return Meter;
        }

        public void Infer(string model, string variant, int n, int secondsApart = 1)
        {
            for (int i = 0; i < n; i++)
            {
                Assert.True(MeterDecisions.Runs(Meter.Decide(model, variant, Clock.UnixSeconds)));
                Meter.Count(model, variant, Clock.UnixSeconds);
                Clock.Advance(secondsApart * 1000L);
            }
        }

        public List<UsageReceipt> Chain() => ReceiptLedger.Verify(Sink.Taken);
    }

    [Fact]
    public void A_variant_change_closes_the_range_and_the_next_poll_receipts_it()
    {
        var rig = new Rig();
        rig.Infer("kws", "kws-a", 5);
        rig.Infer("kws", "kws-b", 3);
        Assert.Equal(1, rig.Meter.Poll(rig.Clock.UnixSeconds));
        var r = Assert.Single(rig.Chain());
        Assert.Equal(("kws-a", 0UL, 5u), (r.VariantId, r.First, r.Count));
        Assert.Equal(1, rig.Meter.Flush(rig.Clock.UnixSeconds));
        Assert.Equal(("kws-b", 5UL, 3u), (rig.Chain()[1].VariantId, rig.Chain()[1].First, rig.Chain()[1].Count));
    }

    [Fact]
    public void A_full_range_is_receipted_at_the_count_that_fills_it()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 99);
        Assert.Empty(rig.Sink.Taken);
        rig.Infer("kws", "v", 1);
        var r = Assert.Single(rig.Chain());
        Assert.Equal((0UL, 100u), (r.First, r.Count));
        Assert.Equal(1_700_000_000u, r.WindowStart);
        Assert.Equal(1_700_000_099u, r.WindowEnd);
    }

    [Fact]
    public void A_range_is_receipted_once_its_window_reaches_the_maximum_age()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 3, secondsApart: 100);
        rig.Clock.Advance(299_000);
        Assert.Equal(0, rig.Meter.Poll(rig.Clock.UnixSeconds));
        rig.Clock.Advance(1000);
        Assert.Equal(1, rig.Meter.Poll(rig.Clock.UnixSeconds));
        var r = Assert.Single(rig.Chain());
        Assert.Equal((1_700_000_000u, 1_700_000_200u), (r.WindowStart, r.WindowEnd));
    }

    [Fact]
    public void Receipts_of_two_models_share_one_chain_with_consecutive_seqs()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 4);
        rig.Infer("vww", "w", 6);
        rig.Infer("kws", "v", 2);
        Assert.Equal(2, rig.Meter.Flush(rig.Clock.UnixSeconds));
        var chain = rig.Chain();
        Assert.Equal([("kws", 6u), ("vww", 6u)], chain.Select(r => (r.ModelId, r.Count)));
        Assert.Equal(2u, rig.Meter.LastReceiptSeq);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(rig.Sink.Taken[1]), rig.Meter.Receipts.LastHash);
    }

    [Fact]
    public void A_restart_receipts_the_reserved_block_as_used_and_flags_it_recovered()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 11);
        rig.Restart();
        Assert.Equal(16UL, rig.Meter.CounterOf("kws"));
        Assert.Equal(1, rig.Meter.Poll(rig.Clock.UnixSeconds));
        rig.Infer("kws", "v", 2);
        rig.Meter.Flush(rig.Clock.UnixSeconds);
        var chain = rig.Chain();
        Assert.Equal([(0UL, 16u, true, 1u), (16UL, 2u, false, 2u)], chain.Select(r => (r.First, r.Count, r.Recovered, r.BootCount)));
    }

    [Fact]
    public void A_checkpoint_before_a_planned_restart_leaves_nothing_to_recover()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 11);
        rig.Meter.Checkpoint(rig.Clock.UnixSeconds);
        rig.Restart();
        rig.Infer("kws", "v", 2);
        rig.Meter.Flush(rig.Clock.UnixSeconds);
        Assert.Equal([(0UL, 11u, false), (11UL, 2u, false)], rig.Chain().Select(r => (r.First, r.Count, r.Recovered)));
    }

    [Fact]
    public void A_refusing_sink_loses_nothing_the_waiting_receipt_goes_first_when_there_is_room_again()
    {
        var rig = new Rig();
        rig.Infer("kws", "a", 3);
        rig.Sink.Refusing = true;
        rig.Infer("kws", "b", 3);
        Assert.Equal(0, rig.Meter.Poll(rig.Clock.UnixSeconds));
        Assert.True(rig.Meter.Receipts.HasUnsent);
        rig.Infer("kws", "b", 250);
        Assert.Equal(0, rig.Meter.Flush(rig.Clock.UnixSeconds));
        Assert.Equal(1, rig.Meter.Receipts.Cut);

        // The waiting receipt survives a restart too.
        rig.Restart();
        rig.Sink.Refusing = false;
        while (rig.Meter.Flush(rig.Clock.UnixSeconds) > 0)
        {
        }

        var chain = rig.Chain();
        Assert.Equal("a", chain[0].VariantId);
        Assert.Equal(rig.Meter.CounterOf("kws"), ReceiptLedger.Covered(chain, "kws"));
        Assert.True(chain.Skip(1).All(r => r.Count <= 100));
        Assert.True(rig.Sink.Offers > rig.Sink.Taken.Count);
    }

    [Fact]
    public void A_receipt_queued_before_a_power_loss_that_hid_the_handover_is_offered_again_with_identical_bytes()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 5);

        // Cut the save that records the handover: the head still holds the receipt's bytes.
        int writesBefore = rig.Storage.Journal.Count;
        rig.Storage.CutPowerAt(writesBefore + 2, 0);
        Assert.Throws<PowerLossException>(() => rig.Meter.Flush(rig.Clock.UnixSeconds));
        Assert.Single(rig.Sink.Taken);

        // The copy goes first, then the rest of the reserved block, taken as used.
        rig.Restart();
        Assert.Equal(2, rig.Meter.Poll(rig.Clock.UnixSeconds));
        Assert.Equal(3, rig.Sink.Taken.Count);
        Assert.Equal(rig.Sink.Taken[0], rig.Sink.Taken[1]);
        Assert.Equal([(5u, false), (3u, true)], rig.Chain().Select(r => (r.Count, r.Recovered)));

        // Handed over and recorded: a further restart sends nothing again.
        rig.Restart();
        Assert.Equal(0, rig.Meter.Poll(rig.Clock.UnixSeconds));
    }

    [Fact]
    public void Each_receipt_costs_two_small_file_saves_of_the_head()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 5);
        int before = rig.Meter.Receipts.FlashWrites;
        Assert.Equal(1, rig.Meter.Flush(rig.Clock.UnixSeconds));
        Assert.Equal(4, rig.Meter.Receipts.FlashWrites - before);
        Assert.Equal(0, rig.Meter.Flush(rig.Clock.UnixSeconds));
        Assert.Equal(4, rig.Meter.Receipts.FlashWrites - before);
    }

    [Fact]
    public void A_lost_counter_log_is_raised_above_what_the_chain_receipted_so_no_value_is_receipted_twice()
    {
        var rig = new Rig();
        rig.Infer("kws", "v", 20);
        rig.Meter.Flush(rig.Clock.UnixSeconds);
        rig.Storage.Delete(MeterOptions.DefaultCounterFile);
        rig.Restart();
        Assert.Equal(20UL, rig.Meter.CounterOf("kws"));
        rig.Infer("kws", "v", 3);
        rig.Meter.Flush(rig.Clock.UnixSeconds);
        Assert.Equal([(0UL, 20u), (20UL, 3u)], rig.Chain().Select(r => (r.First, r.Count)));
    }
}
