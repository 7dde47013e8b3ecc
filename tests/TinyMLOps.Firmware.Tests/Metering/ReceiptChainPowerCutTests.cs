using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Firmware.Tests.Metering;

/// <summary>
/// A metered device (counter, chain head, quota state and the real outbox, all on one storage) runs a script of
/// inferences on two models with variant changes, a quota running into grace, polls and a final flush. The power
/// is cut at every mutation of that run (several byte counts for writes), and some restarts are cut again. After
/// the restart the script goes on; at the end, the receipts in the outbox, deduplicated by seq with identical
/// bytes, must form one valid chain that covers every counted value of each model exactly once, from 0.
/// </summary>
public class ReceiptChainPowerCutTests
{
    private const int Block = 8;
    private const int Steps = 260;
    private const int Allowance = 60;

    private static MeterOptions Options() => new()
    {
        BlockSize = Block,
        CounterLogCompactBytes = 700,
        MaxReceiptCount = 16,
        MaxWindowSeconds = 45,
        MaxReceiptsPerPoll = 3,
    };

    private sealed class Device
    {
        public Device(MemoryStorage storage) => Storage = storage;

        public MemoryStorage Storage { get; }

        public FakeClock Clock { get; } = new();

        public uint Boots { get; private set; }

        public int Restarts { get; private set; }

        public DeviceMeter Meter { get; private set; } = null!;

        public OutboxSink Sink { get; private set; } = null!;

        /// <summary>Inferences that ran, per model: their value was reserved before they ran.</summary>
        public Dictionary<string, ulong> Ran { get; } = [];

        /// <summary>The variant and grace state each counted value ran with, as Count returned it.</summary>
        public Dictionary<(string, ulong), (string Variant, uint Token, bool Grace)> Values { get; } = [];

        /// <summary>Where model a's token started counting, once it is accepted.</summary>
        public ulong? TokenStart { get; set; }

        public int Step { get; set; }

        public void Boot()
        {
            while (true)
            {
                Boots++;
                Clock.Reboot();
                try
                {
                    Sink = new OutboxSink(new Outbox(Storage, "outbox.log", MeterKeys.DeviceId, 256 * 1024));
                    Meter = new DeviceMeter(Storage, MeterKeys.DeviceId, MeterKeys.Device, Boots, Clock, Sink, Options());
                    return;
                }
                catch (PowerLossException)
                {
                    Restarts++;
                }
            }
        }

        /// <summary>Runs the script to the end and flushes, restarting after each power loss.</summary>
        public void RunToEnd()
        {
            while (true)
            {
                try
                {
                    Script();
                    while (Meter.Flush(Clock.UnixSeconds) > 0 || Meter.Receipts.HasUnsent)
                    {
                    }

                    return;
                }
                catch (PowerLossException)
                {
                    Restarts++;
                    Boot();
                }
            }
        }

        public void Script()
        {
            for (; Step < Steps; Step++)
            {
                Clock.Advance(1000);
                uint now = Clock.UnixSeconds;
                if (Step == 5)
                {
                    int verdict = Meter.Quota.Accept(MeterKeys.Token(1, "a", Allowance, QuotaToken.PolicyGrace, 10_000).Encode(), now);
                    Assert.True(verdict is TokenVerdict.Accepted or TokenVerdict.Replayed, TokenVerdict.Name(verdict));
                    TokenStart = Meter.Quota.Find("a")!.ActiveStart;
                    continue;
                }

                if (Step % 10 == 9)
                {
                    Step++;
                    Meter.Poll(now);
                    Step--;
                    continue;
                }

                string model = Step % 3 == 0 ? "b" : "a";
                string variant = model + "-v" + (Step / 50);
                var decision = Meter.Decide(model, variant, now);
                Assert.True(MeterDecisions.Runs(decision), MeterDecisions.Name(decision));

                // From here the inference has run: a cut inside Count must still leave it counted.
                Ran[model] = Ran.GetValueOrDefault(model) + 1;
                ulong expected = Meter.CounterOf(model);
                uint token = model == "a" && TokenStart != null ? 1u : 0u;
                bool grace = token == 1 && expected - TokenStart!.Value >= Allowance;
                Values[(model, expected)] = (variant, token, grace);
                Step++;
                ulong value = Meter.Count(model, variant, now);
                Step--;
                Assert.Equal(expected, value);
            }
        }
    }

    private static IEnumerable<int> Keeps(int bytes) =>
        bytes <= 1 ? [0, bytes] : new[] { 0, 1, bytes / 2, bytes - 1, bytes }.Distinct();

    private static void Check(Device device, string what, int cutsAllowed)
    {
        var chain = ReceiptLedger.Verify(device.Sink.Receipts());
        foreach (string model in new[] { "a", "b" })
        {
            ulong counted = device.Meter.CounterOf(model);
            ulong ran = device.Ran.GetValueOrDefault(model);
            Assert.True(counted >= ran, $"{what}: {model} counted {counted}, {ran} ran");
            Assert.True(counted - ran <= (ulong)(Block * cutsAllowed), $"{what}: {model} counted {counted}, {ran} ran");
            Assert.Equal(counted, ReceiptLedger.Covered(chain, model));
            Assert.Equal(counted, device.Meter.ReceiptedUpTo(model));

            // Values that never ran are only in receipts flagged Recovered.
            ulong recovered = chain.Where(r => r.ModelId == model && r.Recovered).Aggregate(0UL, (s, r) => s + r.Count);
            Assert.True(recovered >= counted - ran, $"{what}: {model} over-counted {counted - ran}, recovered receipts hold {recovered}");
        }

        foreach (var r in chain.Where(r => !r.Recovered))
        {
            Assert.True(r.Count <= 16, $"{what}: receipt {r.ReceiptSeq} holds {r.Count}");
            for (ulong v = r.First; v < r.Limit; v++)
            {
                var (variant, token, grace) = device.Values[(r.ModelId, v)];
                Assert.Equal(variant, r.VariantId);
                Assert.Equal(token, r.QuotaTokenId);
                Assert.Equal(grace ? r.Count : 0, r.GraceCount);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_power_cut_at_every_write_leaves_receipts_that_cover_every_counted_inference_once_in_one_valid_chain(bool renameDeletesTargetFirst)
    {
        var baseline = new Device(new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst });
        baseline.Boot();
        baseline.RunToEnd();
        Check(baseline, "no cut", 0);
        int mutations = baseline.Storage.Journal.Count;
        Assert.Equal(0, baseline.Restarts);
        Assert.True(baseline.Meter.Counter.Compactions > 0, baseline.Meter.Counter.Compactions + " compactions");
        Assert.True(baseline.Sink.Outbox.PendingCount > 10, baseline.Sink.Outbox.PendingCount + " receipts");

        int cases = 0;
        int duplicates = 0;
        int recoveredReceipts = 0;
        for (int cut = 0; cut < mutations; cut++)
        {
            foreach (int keep in Keeps(baseline.Storage.Journal[cut].Bytes))
            {
                var device = new Device(new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst });
                device.Storage.CutPowerAt(cut, keep);
                device.Boot();
                device.RunToEnd();
                Assert.Equal(1, device.Restarts);
                Check(device, $"cut {cut}+{keep}", 1);
                cases++;
                var all = device.Sink.Receipts();
                duplicates += all.Count - all.Select(b => UsageReceipt.Decode(b).ReceiptSeq).Distinct().Count();
                recoveredReceipts += all.Select(UsageReceipt.Decode).Count(r => r.Recovered);
            }
        }

        Assert.True(cases > 500, cases + " cases");
        Assert.True(duplicates > 0, "some cuts fall between the outbox append and the head save, and resend a receipt");
        Assert.True(recoveredReceipts > 0);
    }

    [Fact]
    public void A_second_power_cut_during_the_restart_still_leaves_one_valid_chain_that_covers_everything()
    {
        var baseline = new Device(new MemoryStorage { RenameDeletesTargetFirst = true });
        baseline.Boot();
        baseline.RunToEnd();
        int mutations = baseline.Storage.Journal.Count;

        int cases = 0;
        for (int cut = 0; cut < mutations; cut += 2)
        {
            for (int after = 0; after < 4; after++)
            {
                var device = new Device(new MemoryStorage { RenameDeletesTargetFirst = true });
                device.Storage.CutPowerAt(cut, 0);
                device.Boot();
                try
                {
                    device.Script();
                }
                catch (PowerLossException)
                {
                    // The restart and what follows it lose power again, after a few more mutations.
                    device.Storage.CutPowerAt(device.Storage.Journal.Count + after, 1);
                    device.Boot();
                }

                device.RunToEnd();
                Check(device, $"cut {cut} then {after} more", 2);
                cases++;
            }
        }

        Assert.True(cases > 200, cases + " cases");
    }
}
