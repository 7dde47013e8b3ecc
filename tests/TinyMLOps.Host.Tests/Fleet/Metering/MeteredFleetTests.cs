using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>
/// Metered virtual boards over the embedded broker: a week offline, then one sync, and the bill the ledger
/// derives from the signed receipts against what the board really ran.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class MeteredFleetTests
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 11 + 5))];

    private static async Task<(SyncHarness H, IFleetStore Store, SyncHost Host, VirtualBoard Board)> StartAsync(string deviceId, double rebootsPerHour, bool offlineWeek = true)
    {
        var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var store = h.OpenSqlite();
        h.Own(store);
        var options = new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-meter", MaxBatch = 256, ArtifactMasterKey = Convert.ToHexString(MasterKey) };
        var host = await SyncHost.StartAsync(options, store, NullLoggerFactory.Instance);
        h.Own(host);
        Assert.NotNull(host.Ledger);
        var board = h.AddBoard(
            new VirtualBoardOptions
            {
                DeviceId = deviceId,
                Fleet = "field",
                HeartbeatIntervalSeconds = 3600,
                InferencesPerMinute = 2,
                RebootsPerHour = rebootsPerHour,
                Connectivity = offlineWeek ? ConnectivityPattern.AlwaysOn with { Outage = (TimeSpan.Zero, TimeSpan.FromDays(7)) } : ConnectivityPattern.AlwaysOn,
                Seed = 17,
            },
            port,
            artifactKey: new DeviceKeys(MasterKey).For(deviceId),
            sensor: new NoiseSensor(3),
            model: BrightestModel.Build("fc-metered", 100, ["l", "m", "r"]));
        return (h, store, host, board);
    }

    /// <summary>Runs the offline week, then syncs: receipts for everything counted, drained, and verified by the ledger.</summary>
    private static async Task<long> RunWeekAndSyncAsync(SyncHarness h, IFleetStore store, VirtualBoard board)
    {
        h.Run(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), pauseMillis: 0);
        Assert.Empty(await store.ListDevicesAsync()); // nothing reached the host during the outage
        Assert.True(board.Device.Outbox.PendingCount > 100, $"{board.Device.Outbox.PendingCount} messages waiting");

        // The link is back: the board flushes its last partial range and everything drains.
        board.Device.Meter.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        return await BilledAsync(store, board.Inferences);
    }

    /// <summary>The inferences the fleet's bill holds once the ledger has caught up to <paramref name="expected"/>, or after 5 s.</summary>
    internal static async Task<long> BilledAsync(IFleetStore store, long expected)
    {
        long billed = 0;
        for (int i = 0; i < 100 && billed < expected; i++)
        {
            await Task.Delay(50);
            billed = (await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery())).Inferences;
        }

        return billed;
    }

    [Fact]
    public async Task A_board_offline_for_seven_days_is_billed_exactly_what_it_ran_once_it_syncs()
    {
        var (h, store, _, board) = await StartAsync("week-1", rebootsPerHour: 0);
        await using var _h = h;
        long billed = await RunWeekAndSyncAsync(h, store, board);

        Assert.Equal(((7 * 24 * 60) - 5) * 2, board.Inferences);
        Assert.Equal(board.Inferences, billed);
        var bill = await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery());
        var line = Assert.Single(bill.Lines);
        Assert.Equal(("week-1", "brightest"), (line.DeviceId, line.ModelId));
        Assert.Equal(Math.Round(board.Inferences * PriceList.StandardPer1000 / 1000m, 2, MidpointRounding.AwayFromZero), bill.Lines.Sum(l => l.Amount));
        var audit = await ReceiptLedger.AuditAsync(store, "week-1");
        Assert.False(audit.State.Flagged, audit.State.FlagReason);
        Assert.Empty(audit.Findings);
    }

    [Fact]
    public async Task Reboots_during_the_offline_week_never_under_bill_and_over_bill_at_most_one_block_each()
    {
        var (h, store, _, board) = await StartAsync("week-2", rebootsPerHour: 0.05);
        await using var _h = h;
        long billed = await RunWeekAndSyncAsync(h, store, board);

        Assert.True(board.Reboots >= 3, $"{board.Reboots} reboots");
        int block = board.Device.Meter.Options.BlockSize;
        Assert.InRange(billed, board.Inferences, board.Inferences + ((long)block * board.Reboots));
        var audit = await ReceiptLedger.AuditAsync(store, "week-2");
        Assert.False(audit.State.Flagged, audit.State.FlagReason);
    }

    [Fact]
    public async Task A_granted_quota_reaches_the_board_over_the_broker_and_the_board_stops_at_its_allowance_while_offline()
    {
        var (h, store, host, board) = await StartAsync("quota-1", rebootsPerHour: 0, offlineWeek: false);
        await using var _h = h;
        board.Device.Meter.Options.RequireToken = true;

        // Without a token nothing runs.
        h.Run(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1), pauseMillis: 5);
        Assert.Equal(0, board.Inferences);
        Assert.True(board.MeterRefusals >= 50, $"{board.MeterRefusals} refusals");

        var issuer = new QuotaIssuer(store, new DeviceKeys(MasterKey), host);
        var grant = await issuer.GrantAsync(new QuotaGrantRequest("quota-1", "brightest", 100, TimeSpan.FromDays(30)));
        await Sync.MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), pauseMillis: 10);
            return store.GetCommandAsync(grant.CommandId).Result?.Status != null;
        });
        Assert.Equal(Shared.Protocol.CommandResultPayload.Ok, (await store.GetCommandAsync(grant.CommandId))!.Status);

        // The board enforces the allowance on its own, offline: exactly 100 inferences, then refusals.
        board.Transport.LinkUp = false;
        h.Run(TimeSpan.FromHours(3), TimeSpan.FromMinutes(1), pauseMillis: 0);
        Assert.Equal(100, board.Inferences);

        // Replaying the same token is refused by the device, with its reason.
        var replay = await store.EnqueueCommandAsync("quota-1", Shared.Metering.QuotaToken.CommandName, grant.Token.Encode());
        board.Device.Meter.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        await host.Commands.SendPendingAsync("field", "quota-1", force: true, CancellationToken.None);
        await Sync.MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Fleet.DrainAsync(TimeSpan.FromSeconds(1), CancellationToken.None).Wait();
            return store.GetCommandAsync(replay).Result?.Status != null;
        });
        var refused = (await store.GetCommandAsync(replay))!;
        Assert.Equal(Shared.Protocol.CommandResultPayload.Refused, refused.Status);
        Assert.Contains("replayed", refused.Detail);
        Assert.Equal(100, board.Inferences);

        long billed = 0;
        for (int i = 0; i < 100 && billed < 100; i++)
        {
            await Task.Delay(50);
            billed = (await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery())).Inferences;
        }

        Assert.Equal(100, billed);
    }

    [Fact]
    public async Task Under_the_fallback_policy_a_board_past_its_allowance_keeps_serving_uncounted_on_the_free_variant()
    {
        var (h, store, host, board) = await StartAsync("quota-2", rebootsPerHour: 0, offlineWeek: false);
        await using var _h = h;
        board.Device.Meter.Options.RequireToken = true;
        var issuer = new QuotaIssuer(store, new DeviceKeys(MasterKey), host);
        var grant = await issuer.GrantAsync(new QuotaGrantRequest("quota-2", "brightest", 40, TimeSpan.FromDays(30), Shared.Metering.QuotaToken.PolicyFreeVariant));
        await Sync.MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 10);
            return store.GetCommandAsync(grant.CommandId).Result?.Status != null;
        });

        long refusedBefore = board.MeterRefusals; // while the token was on its way
        h.Run(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), pauseMillis: 0);
        Assert.Equal(40, board.Inferences);
        Assert.True(board.FreeInferences >= 60, $"{board.FreeInferences} free");
        Assert.Equal(refusedBefore, board.MeterRefusals);
        board.Device.Meter.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        long billed = 0;
        for (int i = 0; i < 100 && billed < 40; i++)
        {
            await Task.Delay(50);
            billed = (await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery())).Inferences;
        }

        Assert.Equal(40, billed);
    }
}
