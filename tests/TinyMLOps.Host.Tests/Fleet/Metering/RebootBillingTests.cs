using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>
/// The device's own meter losing power at random points, against the ledger: every counted value billed once,
/// never less than what ran, and more only by the blocks taken as used (docs/metering.md, "Over-count bound").
/// </summary>
public sealed class RebootBillingTests
{
    private static readonly string[] Models = ["kws", "vision"];

    // What a restart may legitimately leave: a window that starts when its block was reserved.
    private static readonly string[] Informational = [nameof(ReceiptReason.RecoveredOverlap), nameof(ReceiptReason.WindowRegression)];

    [Fact]
    public async Task Random_power_losses_bill_every_inference_that_ran_once_and_over_count_at_most_one_block_per_loss()
    {
        await using var f = await LedgerFixture.StartAsync();
        var ledger = f.Ledger();
        int overlaps = 0, recovered = 0, afterPlanned = 0;
        for (int seed = 1; seed <= 12; seed++)
        {
            var run = await RunDeviceAsync(f, ledger, $"dev-{seed}", seed);
            var rows = await f.Store.MeterReceiptsAsync(run.DeviceId);
            recovered += rows.Count(r => (r.Flags & UsageReceipt.FlagRecovered) != 0);
            overlaps += rows.Count(r => r.Reason == nameof(ReceiptReason.RecoveredOverlap));
            Assert.All(rows, r => Assert.True(r.Status == MeterStatus.Accepted, $"receipt {r.ReceiptSeq} {r.Status} {r.Reason}: {r.Detail} (flags {r.Flags}, boot {r.BootCount}, window {r.WindowStart}..{r.WindowEnd})"));
            Assert.All(await f.Store.MeterFindingsAsync(run.DeviceId), x => Assert.Contains(x.Reason, Informational));
            Assert.All(await f.Store.MeterFindingsAsync(run.DeviceId), x => Assert.False(x.Serious));
            afterPlanned += rows.Count(r => r.Reason == nameof(ReceiptReason.WindowRegression));
            Assert.False((await f.Store.MeterSnapshotAsync(run.DeviceId)).Device.Flagged);

            foreach (string model in Models)
            {
                long billed = await f.BilledAsync(run.DeviceId, model);

                // Every value the counter handed out is billed exactly once: no lost range, no value twice.
                Assert.Equal((long)run.Meter.CounterOf(model), billed);

                // An inference runs only after its value is durably reserved, so nothing that ran goes unbilled; the
                // excess is the unused rest of the block in use at each power loss.
                Assert.InRange(billed - run.Ran[model], 0, (long)run.Meter.Options.BlockSize * run.PowerLosses);
            }
        }

        // The case of issue 21: recovered receipts whose window starts before the previous receipt's; and the same
        // after a planned restart (a checkpoint), without the recovered flag.
        Assert.True(overlaps > 0, $"{overlaps} recovered windows before the previous receipt's, of {recovered} recovered receipts");
        Assert.True(afterPlanned > 0, $"{afterPlanned} windows before the previous receipt's after a planned restart");
    }

    private sealed record DeviceRun(string DeviceId, DeviceMeter Meter, Dictionary<string, long> Ran, int PowerLosses);

    /// <summary>
    /// Two days of one device: a few inferences a minute per model, a poll every minute, a flush at random syncs,
    /// power losses at random points (between the decision and the count too) and some planned restarts.
    /// </summary>
    private static async Task<DeviceRun> RunDeviceAsync(LedgerFixture f, ReceiptLedger ledger, string deviceId, int seed)
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-reboot-").FullName;
        try
        {
            var random = new Random(seed);
            var clock = new FixedClock { Now = (uint)LedgerFixture.T0.ToUnixTimeSeconds() };
            var sink = new ListSink();
            var storage = new DirectoryStorage(dir);
            var options = new MeterOptions();
            uint boot = 1;
            var meter = new DeviceMeter(storage, deviceId, f.Keys.For(deviceId), boot, clock, sink, options);
            var ran = Models.ToDictionary(m => m, _ => 0L);
            int losses = 0;
            for (int minute = 0; minute < 2 * 24 * 60; minute++)
            {
                clock.Now += 60;
                foreach (string model in Models)
                {
                    int n = random.Next(0, model == "kws" ? 2 : 4);
                    for (int i = 0; i < n; i++)
                    {
                        if (!MeterDecisions.Runs(meter.Decide(model)))
                        {
                            continue;
                        }

                        if (random.NextDouble() < 0.001)
                        {
                            // Power lost while the model ran: reserved, never counted.
                            meter = new DeviceMeter(storage, deviceId, f.Keys.For(deviceId), ++boot, clock, sink, options);
                            losses++;
                            continue;
                        }

                        meter.Count(model, model + "-v1", clock.Now);
                        ran[model]++;
                    }
                }

                meter.Poll(clock.Now);
                if (random.NextDouble() < 0.1)
                {
                    meter.Flush(clock.Now); // a sync
                }

                double restart = random.NextDouble();
                if (restart < 0.004)
                {
                    meter = new DeviceMeter(storage, deviceId, f.Keys.For(deviceId), ++boot, clock, sink, options);
                    losses++;
                }
                else if (restart < 0.005)
                {
                    meter.Checkpoint(clock.Now);
                    meter = new DeviceMeter(storage, deviceId, f.Keys.For(deviceId), ++boot, clock, sink, options);
                }
            }

            while (meter.Flush(clock.Now) > 0)
            {
            }

            for (int i = 0; i < sink.Taken.Count; i += 64)
            {
                await f.SendRawAsync(deviceId, [.. sink.Taken.Skip(i).Take(64)]);
                await ledger.ProcessDeviceAsync(deviceId);
            }

            return new DeviceRun(deviceId, meter, ran, losses);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
