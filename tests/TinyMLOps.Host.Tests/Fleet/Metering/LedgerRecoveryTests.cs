using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>The ledger through restarts, races and the ingest pipeline, and against the device's own meter.</summary>
public sealed class LedgerRecoveryTests
{
    [Fact]
    public async Task Reprocessing_after_a_simulated_host_restart_bills_exactly_once()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var receipts = Enumerable.Range(0, 30).Select(i => d.Next(i % 3 == 0 ? "vision" : "kws", (uint)(i + 1))).ToArray();
        long kws = receipts.Where(r => r.ModelId == "kws").Sum(r => (long)r.Count);
        long vision = receipts.Where(r => r.ModelId == "vision").Sum(r => (long)r.Count);

        // The first host verified a third, then crashed after storing the rest (the handler never ran for them).
        await f.SendAsync("dev-1", receipts[..10]);
        await f.Ledger().ProcessDeviceAsync("dev-1");
        await f.SendAsync("dev-1", receipts[10..]);

        // The restarted host opens the store again and catches up from the stored messages.
        var restarted = await f.OpenStoreAsync();
        var ledger = f.Ledger(restarted);
        var first = await ledger.CatchUpAsync();
        Assert.Equal(20, first.Classified);
        var again = await ledger.CatchUpAsync();
        Assert.Equal(0, again.Classified);
        await ledger.ProcessDeviceAsync("dev-1");

        Assert.Equal(kws, await f.BilledAsync("dev-1", "kws"));
        Assert.Equal(vision, await f.BilledAsync("dev-1", "vision"));
        Assert.Equal(30, (await f.Store.MeterReceiptsAsync("dev-1")).Count);
        Assert.Empty(await f.Store.UnprocessedReceiptsAsync("dev-1", 100));
    }

    [Fact]
    public async Task The_ingest_pipeline_hands_stored_receipts_to_the_ledger_and_a_repeated_batch_changes_nothing()
    {
        await using var f = await LedgerFixture.StartAsync();
        using var metrics = new HostMetrics();
        var pipeline = new IngestPipeline(f.Store, metrics, NullLogger.Instance, 64);
        var ledger = f.Ledger();
        ledger.Attach(pipeline);
        var d = f.Device("dev-1");
        var batch = Enumerable.Range(1, 5)
            .Select(i => Uplink("dev-1", (uint)i, d.Next("kws", 10).Encode()))
            .ToList();

        await pipeline.ProcessAsync(batch, CancellationToken.None);
        Assert.Equal(50, await f.BilledAsync("dev-1", "kws"));

        // The broker delivers the batch again: duplicates are not stored, so the ledger sees nothing new.
        await pipeline.ProcessAsync(batch, CancellationToken.None);
        Assert.Equal(50, await f.BilledAsync("dev-1", "kws"));
        Assert.Equal(5, (await f.Store.MeterReceiptsAsync("dev-1")).Count);
    }

    [Fact]
    public async Task A_device_offline_for_seven_simulated_days_is_billed_exactly_what_its_meter_counted()
    {
        await using var f = await LedgerFixture.StartAsync();
        string dir = Directory.CreateTempSubdirectory("tinymlops-meter-device-").FullName;
        try
        {
            var clock = new FixedClock { Now = (uint)LedgerFixture.T0.ToUnixTimeSeconds() };
            var sink = new ListSink();
            var storage = new DirectoryStorage(dir);
            var options = new MeterOptions { MaxReceiptCount = 500 };
            var meter = new DeviceMeter(storage, "dev-1", f.Keys.For("dev-1"), 1, clock, sink, options);

            // A prepaid token with grace, issued by the host and accepted by the device's own guard.
            var issuer = new QuotaIssuer(f.Store, f.Keys, time: f.Time);
            var grant = await issuer.GrantAsync(new QuotaGrantRequest("dev-1", "kws", 4_000, TimeSpan.FromDays(30), QuotaToken.PolicyGrace, 400));
            Assert.Equal(1u, grant.Token.TokenId);
            Assert.Equal(TokenVerdict.Accepted, meter.Quota.Accept(grant.Token.Encode(), clock.Now));

            var random = new Random(7);
            long ran = 0, graceRuns = 0;
            for (int minute = 0; minute < 7 * 24 * 60; minute++)
            {
                clock.Now += 60;
                foreach (string model in new[] { "kws", "vision" })
                {
                    int n = model == "kws" ? random.Next(0, 2) : random.Next(0, 4);
                    for (int i = 0; i < n; i++)
                    {
                        var decision = meter.Decide(model);
                        if (MeterDecisions.Runs(decision))
                        {
                            meter.Count(model, model + "-v1", clock.Now);
                            ran++;
                            graceRuns += decision == MeterDecision.AllowOnGrace ? 1 : 0;
                        }
                    }
                }

                if (minute % 30 == 0)
                {
                    meter.Poll(clock.Now);
                }

                if (minute == 3 * 24 * 60)
                {
                    // A reboot on day 3: the reserved block counts as used.
                    meter = new DeviceMeter(storage, "dev-1", f.Keys.For("dev-1"), 2, clock, sink, options);
                }
            }

            while (meter.Flush(clock.Now) > 0)
            {
            }

            // Back online: the outbox delivers everything, shuffled and partly twice, in batches.
            var shuffled = sink.Taken.Concat(sink.Taken.Take(20)).OrderBy(_ => random.Next()).ToList();
            var ledger = f.Ledger();
            for (int i = 0; i < shuffled.Count; i += 64)
            {
                await f.SendRawAsync("dev-1", [.. shuffled.Skip(i).Take(64)]);
                await ledger.ProcessDeviceAsync("dev-1");
            }

            long kws = await f.BilledAsync("dev-1", "kws"), vision = await f.BilledAsync("dev-1", "vision");
            Assert.Equal((long)meter.ReceiptedUpTo("kws"), kws);
            Assert.Equal((long)meter.ReceiptedUpTo("vision"), vision);
            Assert.Equal((long)meter.CounterOf("kws") + (long)meter.CounterOf("vision"), kws + vision);

            // Never under the inferences that ran; over only by the block recovered at the reboot (at most one per model).
            Assert.InRange(kws + vision - ran, 0, 2 * options.BlockSize);
            var bill = await Billing.ComputeAsync(f.Store, PriceList.Standard, new MeterUsageQuery());
            Assert.Equal(400, graceRuns);
            Assert.InRange(bill.Lines.Single(l => l.ModelId == "kws").GraceInferences, graceRuns, graceRuns + options.BlockSize);
            var rows = await f.Store.MeterReceiptsAsync("dev-1");
            Assert.Equal(sink.Taken.Count, rows.Count(r => r.Status == MeterStatus.Accepted));
            Assert.Equal(20, rows.Count(r => r.Reason == nameof(ReceiptReason.Replay)));
            Assert.Empty(await f.Store.MeterFindingsAsync("dev-1"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static InboundUplink Uplink(string device, uint seq, byte[] payload)
    {
        var message = new Message(MessageKind.UsageReceipt, device, seq, 1_767_225_600, payload);
        return new InboundUplink(Topics.Up("lab", device, MessageKind.UsageReceipt), WireCodec.Encode(message), LedgerFixture.T0, _ => Task.CompletedTask);
    }
}
