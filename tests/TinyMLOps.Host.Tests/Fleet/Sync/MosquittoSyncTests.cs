using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>The host against a real external broker (Debian's mosquitto), with faults injected mid-sync.</summary>
[Collection(SyncCollection.Name)]
public sealed class MosquittoSyncTests
{
    [Fact]
    public async Task A_broker_restart_mid_sync_loses_nothing()
    {
        using var broker = new MosquittoProcess();
        await using var h = new SyncHarness();
        var (store, host) = await h.StartSqliteHostAsync(broker.Port, embedded: false);
        for (int i = 0; i < 5; i++)
        {
            var board = h.AddBoard($"mq-{i}", broker.Port, heartbeatSeconds: 120);
            Assert.True(board.Device.Uploads.Upload(7, 2, new byte[6000 + i], 0).Accepted);
        }

        h.Run(TimeSpan.FromHours(2), TimeSpan.FromMinutes(1), everyStep: step =>
        {
            if (step == 30)
            {
                broker.Restart();
            }
        });

        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)), "outboxes did not drain after the broker restart");
        await h.AssertNothingLostAsync(store);
        Assert.All(h.Boards, b => Assert.True(b.Device.Agent.Connects >= 2, $"{b.DeviceId} never reconnected"));
    }

    [Fact]
    public async Task A_host_restart_mid_ingest_loses_nothing()
    {
        using var broker = new MosquittoProcess();
        await using var h = new SyncHarness();
        string db = "restart.db";
        var store = h.OpenSqlite(db);
        var host = await h.StartHostAsync(store, broker.Port, embedded: false);
        for (int i = 0; i < 5; i++)
        {
            var board = h.AddBoard($"hr-{i}", broker.Port, heartbeatSeconds: 60);
            Assert.True(board.Device.Uploads.Upload(9, 2, new byte[8000], 0).Accepted);
        }

        h.Run(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1), pauseMillis: 0);

        // Stop the worker while uplink is in flight: what it received but did not acknowledge, the broker keeps for its session.
        await host.DisposeAsync();
        await store.DisposeAsync();
        h.Run(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));

        store = h.OpenSqlite(db);
        h.Own(store);
        host = await h.StartHostAsync(store, broker.Port, embedded: false);
        h.Own(host);
        h.Run(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)), "outboxes did not drain after the host restart");
        await h.AssertNothingLostAsync(store);
        foreach (var b in h.Boards)
        {
            Assert.True(Assert.Single(await UplinkTransfers.ListAsync(store, b.DeviceId)).Complete);
        }
    }

    [Fact]
    public async Task Boards_offline_for_days_sync_everything_when_they_return()
    {
        using var broker = new MosquittoProcess();
        await using var h = new SyncHarness();
        var (store, host) = await h.StartSqliteHostAsync(broker.Port, embedded: false);
        var outage = new ConnectivityPattern(1, 1, 0) { Outage = (TimeSpan.FromHours(1), TimeSpan.FromDays(4)) };
        for (int i = 0; i < 4; i++)
        {
            h.AddBoard($"off-{i}", broker.Port, pattern: outage, heartbeatSeconds: 300);
        }

        // Four simulated days in 10-minute steps; uploads are made while the boards are offline.
        h.Run(TimeSpan.FromDays(4.5), TimeSpan.FromMinutes(10), pauseMillis: 0, everyStep: step =>
        {
            if (step == 100)
            {
                foreach (var b in h.Boards)
                {
                    Assert.False(b.Transport.IsConnected);
                    Assert.True(b.Device.Uploads.Upload(11, 2, new byte[3000], 0).Accepted);
                }
            }
        });

        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        await h.AssertNothingLostAsync(store);
        foreach (var b in h.Boards)
        {
            Assert.True(Assert.Single(await UplinkTransfers.ListAsync(store, b.DeviceId)).Complete);
            var device = await store.GetDeviceAsync(b.DeviceId);
            Assert.Equal(0, device!.DroppedTotal);

            // Heartbeats were merged while offline: the outbox held the newest one, not one per interval.
            Assert.True(device.MessageCount < 4 * 24 * 12 / 2, $"{device.MessageCount} messages: heartbeats were not merged");
        }
    }

    [Fact]
    public async Task A_message_delivered_twice_is_stored_once_and_acked_twice()
    {
        using var broker = new MosquittoProcess();
        await using var h = new SyncHarness();
        var (store, host) = await h.StartSqliteHostAsync(broker.Port, embedded: false);

        var acks = new ConcurrentQueue<AckPayload>();
        using var device = await ConnectAsync(broker.Port, "dup-1");
        device.ApplicationMessageReceivedAsync += e =>
        {
            acks.Enqueue(AckPayload.Decode(WireCodec.Decode(e.ApplicationMessage.Payload.ToArray()).Payload));
            return Task.CompletedTask;
        };
        await device.SubscribeAsync(Topics.DownFilter("test", "dup-1"), MqttQualityOfServiceLevel.AtLeastOnce);
        byte[] hello = WireCodec.Encode(new Message(MessageKind.Hello, "dup-1", 1, 0, new HelloPayload { Board = "esp32-c3" }.Encode()));
        for (int i = 0; i < 2; i++)
        {
            await device.PublishBinaryAsync(Topics.Up("test", "dup-1", MessageKind.Hello), hello, MqttQualityOfServiceLevel.AtLeastOnce);
            await WaitUntilAsync(() => acks.Count == i + 1);
        }

        Assert.All(acks, a => Assert.True(a.Covers(1)));
        Assert.Equal([1L], await store.SequencesAsync("dup-1"));
        Assert.Equal(1, host.Metrics.Duplicates);
        Assert.Equal("esp32-c3", (await store.GetDeviceAsync("dup-1"))!.Board);
    }

    [Fact]
    public async Task Malformed_and_foreign_payloads_are_rejected_counted_and_the_host_keeps_running()
    {
        using var broker = new MosquittoProcess();
        await using var h = new SyncHarness();
        var (store, host) = await h.StartSqliteHostAsync(broker.Port, embedded: false);

        using var client = await ConnectAsync(broker.Port, "bad-1");
        byte[] good = WireCodec.Encode(new Message(MessageKind.Heartbeat, "bad-1", 5, 0, new HeartbeatPayload().Encode()));
        byte[] wrongVersion = (byte[])good.Clone();
        wrongVersion[0] = 9;
        byte[] badCrc = (byte[])good.Clone();
        badCrc[^1] ^= 0x55;
        var cases = new (string Topic, byte[] Payload, string Reason)[]
        {
            (Topics.Up("test", "bad-1", MessageKind.Heartbeat), [], "truncated"),
            (Topics.Up("test", "bad-1", MessageKind.Heartbeat), good[..^3], "truncated"),
            (Topics.Up("test", "bad-1", MessageKind.Heartbeat), new byte[WireCodec.MaxMessageLength + 1], "oversized"),
            (Topics.Up("test", "bad-1", MessageKind.Heartbeat), wrongVersion, "unknown_version"),
            (Topics.Up("test", "bad-1", MessageKind.Heartbeat), badCrc, "bad_checksum"),
            (Topics.Up("test", "other-2", MessageKind.Heartbeat), good, "topic_mismatch"),
            (Topics.Up("test", "bad-1", MessageKind.Hello), good, "topic_mismatch"),
            ("tinymlops/v1/test/bad-1/up/nonsense", good, "bad_topic"),
            (Topics.Up("test", "bad-1", MessageKind.Hello), WireCodec.Encode(new Message(MessageKind.Hello, "bad-1", 6, 0, [1, 2, 3])), "bad_payload"),
        };
        foreach (var c in cases)
        {
            await client.PublishBinaryAsync(c.Topic, c.Payload, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await WaitUntilAsync(() => host.Metrics.Rejected == cases.Length);
        foreach (var group in cases.GroupBy(c => c.Reason))
        {
            Assert.Equal(group.Count(), host.Metrics.RejectedByReason[group.Key]);
        }

        var rejects = await store.RejectsAsync(100);
        Assert.Equal(cases.Length, rejects.Count);
        Assert.All(rejects, r => Assert.False(string.IsNullOrWhiteSpace(r.Detail)));

        // Still serving: the valid message goes through.
        await client.PublishBinaryAsync(Topics.Up("test", "bad-1", MessageKind.Heartbeat), good, MqttQualityOfServiceLevel.AtLeastOnce);
        await WaitUntilAsync(() => host.Metrics.Stored == 1);
        Assert.Equal([5L], await store.SequencesAsync("bad-1"));
        Assert.Null(await store.GetDeviceAsync("other-2"));
    }

    internal static async Task<IMqttClient> ConnectAsync(int port, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build());
        return client;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutMillis = 30_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMillis);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
