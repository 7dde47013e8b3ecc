using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Fleet.Security;

/// <summary>
/// Issue 21's forged acks and sequence squatting, replayed against the embedded broker (no device credentials, so a rogue
/// client can take a host's or a device's client id), metered virtual boards and a SQLite store.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class EnvelopeAuthFleetTests
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1))];

    private static async Task<(SyncHarness H, IFleetStore Store, SyncHost Host, VirtualBoard Board, int Port)> StartAsync(string deviceId, bool startBoard = true)
    {
        var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var store = h.OpenSqlite();
        h.Own(store);
        var options = new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-authn", MaxBatch = 256, ArtifactMasterKey = Convert.ToHexString(MasterKey) };
        var host = await SyncHost.StartAsync(options, store, NullLoggerFactory.Instance);
        h.Own(host);
        var board = h.AddBoard(
            new VirtualBoardOptions
            {
                DeviceId = deviceId,
                Fleet = "field",
                HeartbeatIntervalSeconds = 3600,
                HealthWindowSeconds = 300,
                InferencesPerMinute = 2,
                Seed = 23,
            },
            port,
            artifactKey: new DeviceKeys(MasterKey).For(deviceId),
            sensor: new NoiseSensor(3),
            model: BrightestModel.Build("fc-authn", 100, ["l", "m", "r"]));
        return (h, store, host, board, port);
    }

    [Fact]
    public async Task A_forged_ack_from_a_rogue_client_deletes_nothing_the_host_has_not_stored()
    {
        var (h, store, _, board, port) = await StartAsync("acked-1");
        await using var _h = h;
        string id = board.DeviceId;

        // Online once, so the broker keeps the board's session and queues downlinks for it; then six hours offline.
        h.Run(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), pauseMillis: 50);
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        board.Transport.LinkUp = false;
        h.Run(TimeSpan.FromHours(6), TimeSpan.FromMinutes(5), pauseMillis: 0);
        var outbox = board.Device.Outbox;
        var waiting = Enumerable.Range(0, outbox.PendingCount).Select(outbox.GetPending).Where(e => !Firmware.Core.Sync.Outbox.IsMergeable(e.Kind)).Select(e => (long)e.Sequence).ToList();
        Assert.True(waiting.Count > 40, $"{waiting.Count} entries waiting");

        // A rogue client under a host's client id acks everything, untagged and with a wrong key, before the board is back.
        using var rogue = new MqttNetTransport("127.0.0.1", port, "tinymlops-host-rogue");
        Assert.True(rogue.Connect());
        var everything = new AckPayload([1u], [uint.MaxValue]).Encode();
        string topic = Topics.Down("field", id, MessageKind.Ack);
        Assert.True(rogue.Publish(topic, WireCodec.Encode(new Message(MessageKind.Ack, id, 1, 0, everything))));
        Assert.True(rogue.Publish(topic, WireCodec.Encode(new Message(MessageKind.Ack, id, 2, 0, everything), EnvelopeKeys.Downlink(new DeviceKeys(MasterKey).For("someone-else")))));

        board.Transport.LinkUp = true;
        for (int i = 0; i < 20 && board.Device.Downlink.Unauthenticated < 2; i++)
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 50);
        }

        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        var stored = (await store.SequencesAsync(id)).ToHashSet();
        var lost = waiting.Where(s => !stored.Contains(s)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {waiting.Count} waiting entries never stored");
        Assert.Equal(0, outbox.PendingCount);
        Assert.Equal(board.Inferences, await MeteredFleetTests.BilledAsync(store, board.Inferences));
        Assert.Equal(2, board.Device.Downlink.Unauthenticated);
    }

    [Fact]
    public async Task Squatted_sequences_do_not_keep_a_boards_messages_from_being_stored_and_billed_and_a_conflict_is_recorded()
    {
        var (h, store, host, board, port) = await StartAsync("squat-1");
        await using var _h = h;
        string id = board.DeviceId;

        // Sequences 1..200 published under the board's own client id before it ever runs: untagged, then wrongly tagged.
        board.Transport.LinkUp = false;
        using (var rogue = new MqttNetTransport("127.0.0.1", port, id))
        {
            Assert.True(rogue.Connect());
            byte[] wrong = EnvelopeKeys.Uplink(new DeviceKeys(MasterKey).For("squatter"));
            for (uint seq = 1; seq <= 200; seq++)
            {
                var squat = new Message(MessageKind.Heartbeat, id, seq, 0, new HeartbeatPayload { UptimeSeconds = seq }.Encode());
                Assert.True(rogue.Publish(Topics.Up("field", id, MessageKind.Heartbeat), WireCodec.Encode(squat, seq % 2 == 0 ? wrong : null)));
            }
        }

        await MosquittoSyncTests.WaitUntilAsync(() => host.Metrics.Rejected >= 200);
        Assert.Empty(await store.SequencesAsync(id));
        var reasons = (await store.RejectsAsync(500)).GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(100, reasons[RejectReason.Unauthenticated]);
        Assert.Equal(100, reasons[RejectReason.BadTag]);

        board.Transport.LinkUp = true;
        h.Run(TimeSpan.FromHours(3), TimeSpan.FromMinutes(1), pauseMillis: 2);
        board.Device.Meter.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        await h.AssertNothingLostAsync(store);
        Assert.True(board.Inferences >= 300, $"{board.Inferences} inferences");
        Assert.Equal(board.Inferences, await MeteredFleetTests.BilledAsync(store, board.Inferences));

        // A copy with the device's own tag but other bytes under a stored sequence (a board whose storage was reset)
        // is a conflict: recorded, and the stored copy stays.
        long taken = (await store.SequencesAsync(id))[0];
        var before = (await store.MessageAsync(id, taken))!;
        byte[] other = WireCodec.Encode(new Message(MessageKind.Heartbeat, id, (uint)taken, 1, new HeartbeatPayload { UptimeSeconds = 4242 }.Encode()), EnvelopeKeys.Uplink(new DeviceKeys(MasterKey).For(id)));
        await host.Pipeline.ProcessAsync([new InboundUplink(Topics.Up("field", id, MessageKind.Heartbeat), other, DateTimeOffset.UtcNow, _ => Task.CompletedTask)], CancellationToken.None);

        var conflict = Assert.Single(await store.RejectsAsync(500), r => r.Reason == RejectReason.Conflict);
        Assert.Equal(id, conflict.DeviceId);
        Assert.Equal(before.Payload, (await store.MessageAsync(id, taken))!.Payload);
    }
}
