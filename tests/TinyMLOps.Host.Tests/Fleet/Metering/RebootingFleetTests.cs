using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Tests.Common;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>
/// Metered virtual boards that lose power at random points, syncing every few minutes through the embedded
/// broker into the store, with the host's ledger billing what they send: every reboot's inferences are billed
/// (issue 21, item 8). TINYMLOPS_REBOOT_BOARDS and TINYMLOPS_REBOOT_HOURS scale the run by hand.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class RebootingFleetTests(ITestOutputHelper output)
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 3))];

    [Fact]
    public async Task Boards_that_reboot_at_random_points_are_billed_every_inference_they_ran()
    {
        int boards = int.TryParse(Environment.GetEnvironmentVariable("TINYMLOPS_REBOOT_BOARDS"), out int b) ? b : 12;
        int hours = int.TryParse(Environment.GetEnvironmentVariable("TINYMLOPS_REBOOT_HOURS"), out int hh) ? hh : 8;
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var store = h.OpenSqlite();
        h.Own(store);
        var options = new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-reboots", MaxBatch = 256, ArtifactMasterKey = Convert.ToHexString(MasterKey) };
        h.Own(await SyncHost.StartAsync(options, store, NullLoggerFactory.Instance));
        var keys = new DeviceKeys(MasterKey);
        for (int i = 0; i < boards; i++)
        {
            // Online 2 minutes in 10 (each connection flushes a receipt, often inside a block), a reboot every two hours or so.
            string id = $"reboot-{i}";
            h.AddBoard(
                new VirtualBoardOptions
                {
                    DeviceId = id,
                    Fleet = "field",
                    HeartbeatIntervalSeconds = 3600,
                    InferencesPerMinute = 1 + (i % 3),
                    RebootsPerHour = 0.5,
                    Connectivity = new ConnectivityPattern(10, 2, i % 10),
                    Seed = 100 + i,
                },
                port,
                artifactKey: keys.For(id),
                sensor: new NoiseSensor(3),
                model: BrightestModel.Build("fc-reboots", 100, ["l", "m", "r"]));
        }

        h.Run(TimeSpan.FromHours(hours), TimeSpan.FromMinutes(1), pauseMillis: 2);
        foreach (var board in h.Boards)
        {
            board.Device.Meter.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        }

        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        long ran = h.Boards.Sum(x => x.Inferences);
        long billed = 0;
        for (int i = 0; i < 200 && billed < ran; i++)
        {
            await Task.Delay(50);
            billed = (await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery())).Inferences;
        }

        var bill = await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery());
        int reboots = h.Boards.Sum(x => x.Reboots), recovered = 0, recoveredEarlier = 0, rejected = 0, flagged = 0, shortBoards = 0;
        long recoveredCount = 0, unbilled = 0, unbilledRan = 0;
        foreach (var board in h.Boards)
        {
            // At least this many of the board's inferences that ran went unbilled.
            long boardBilled = bill.Lines.Where(l => l.DeviceId == board.DeviceId).Sum(l => l.Inferences);
            unbilledRan += Math.Max(0, board.Inferences - boardBilled);
            shortBoards += boardBilled < board.Inferences ? 1 : 0;

            var rows = await store.MeterReceiptsAsync(board.DeviceId);
            recovered += rows.Count(r => (r.Flags & UsageReceipt.FlagRecovered) != 0);
            recoveredCount += rows.Where(r => (r.Flags & UsageReceipt.FlagRecovered) != 0).Sum(r => r.Count);
            recoveredEarlier += RecoveredBeforeThePrevious(rows);
            rejected += rows.Count(r => r.Status != MeterStatus.Accepted);
            unbilled += rows.Where(r => r.Status != MeterStatus.Accepted).Sum(r => r.Count);
            flagged += (await store.MeterSnapshotAsync(board.DeviceId)).Device.Flagged ? 1 : 0;
        }

        int block = h.Boards[0].Device.Meter.Options.BlockSize;
        output.WriteLine($"{boards} boards, {hours} h: {reboots} reboots, {recovered} recovered receipts ({recoveredCount:N0} inferences), {recoveredEarlier} starting before the previous receipt's window; ran {ran:N0}, billed {billed:N0} (over by {billed - ran:N0}, bound {(long)block * reboots:N0}); {rejected} receipts not billed ({unbilled:N0} inferences, at least {unbilledRan:N0} of them ran, on {shortBoards} boards billed less than they ran), {flagged} devices flagged");

        Assert.True(recoveredEarlier > 0, "no recovered receipt started before the previous one: the run does not exercise the case");
        Assert.Equal(0, rejected);
        Assert.Equal(0, shortBoards);
        Assert.Equal(0, flagged);
        Assert.InRange(billed, ran, ran + ((long)block * reboots));
    }

    /// <summary>Recovered receipts whose window starts before the previous receipt's of the same model and boot (read from the stored rows, not the ledger's verdict).</summary>
    private static int RecoveredBeforeThePrevious(IReadOnlyList<MeterReceiptRecord> rows)
    {
        int n = 0;
        var last = new Dictionary<string, (long Boot, long Start)>();
        foreach (var r in rows.Where(r => r.InChain).OrderBy(r => r.ReceiptSeq))
        {
            if ((r.Flags & UsageReceipt.FlagRecovered) != 0 && last.TryGetValue(r.ModelId, out var prev) && prev.Boot == r.BootCount && r.WindowStart < prev.Start)
            {
                n++;
            }

            last[r.ModelId] = (r.BootCount, Math.Max(r.WindowStart, last.TryGetValue(r.ModelId, out var p) && p.Boot == r.BootCount ? p.Start : 0));
        }

        return n;
    }
}
