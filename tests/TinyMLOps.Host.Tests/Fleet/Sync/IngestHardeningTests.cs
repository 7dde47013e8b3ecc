using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Broker;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>The ingest side of the attack run of issue 21: reject storage, fleets on topics, retained uplinks.</summary>
[Collection(SyncCollection.Name)]
public sealed class IngestHardeningTests
{
    [Fact]
    public async Task A_thousand_rejects_with_60_KB_topics_stay_small_and_the_cap_is_pruned_and_counted()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        string db = Path.Combine(h.Directory_, "rejects.db");
        await using var store = FleetStoreFactory.Open(null, db);
        await store.MigrateAsync();
        long before = DatabaseBytes(db);

        var options = new SyncOptions { BrokerPort = port, WorkerId = "tinymlops-host-rejects", MaxRejects = 100 };
        await using var host = await SyncHost.StartAsync(options, store, NullLoggerFactory.Instance);
        string padding = new('x', 60_000);
        var batch = Enumerable.Range(0, 1000)
            .Select(i => new InboundUplink($"tinymlops/v1/f/dev-{i}/up/{padding}", [1, 2, 3], DateTimeOffset.UtcNow, _ => Task.CompletedTask))
            .ToList();
        await host.Pipeline.ProcessAsync(batch, CancellationToken.None);

        Assert.Equal(1000, host.Metrics.Rejected);
        var newest = (await store.RejectsAsync(1))[0];
        Assert.True(newest.Topic.Length <= FleetStore.MaxRejectTopic, $"stored a topic of {newest.Topic.Length} chars");
        Assert.Contains("[+", newest.Topic, StringComparison.Ordinal);
        // The whole topics would take 60 MB (they did: +58 MB). Checkpointed: the WAL holds a page per reject's transaction.
        long grown = DatabaseBytes(db) - before;
        Assert.True(grown < 1_000_000, $"the database grew {grown:N0} bytes");

        // The housekeeping prunes every 30 s from its first pass, so it may have been first.
        await host.PruneRejectsAsync(CancellationToken.None);
        Assert.Equal(100, (await store.CountsAsync(DateTimeOffset.UtcNow)).Rejects);
        Assert.Equal(900, host.Metrics.RejectsPruned);
        Assert.Equal(0, await host.PruneRejectsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Rejects_past_their_retention_are_pruned_in_postgres_too()
    {
        await using var h = new SyncHarness();
        await using var store = h.OpenPostgres("harden_" + Guid.NewGuid().ToString("N")[..8]);
        await store.MigrateAsync();
        var now = DateTimeOffset.UtcNow;
        for (int i = 0; i < 5; i++)
        {
            await store.RecordRejectAsync(new RejectRecord(now.AddDays(i - 10), new string('t', 1000), null, RejectReason.BadTopic, new string('d', 2000), 3));
        }

        var stored = await store.RejectsAsync(1);
        Assert.Equal(FleetStore.MaxRejectTopic, stored[0].Topic.Length);
        Assert.Equal(FleetStore.MaxRejectDetail, stored[0].Detail.Length);
        // Retention of 7 days: the three older than that go; a cap of 1 then keeps the newest only.
        Assert.Equal(3, await store.PruneRejectsAsync(100, now.AddDays(-7)));
        Assert.Equal(1, await store.PruneRejectsAsync(1, now.AddDays(-7)));
        Assert.Equal(1, (await store.CountsAsync(now)).Rejects);
    }

    [Fact]
    public async Task A_device_cannot_rewrite_its_board_from_another_fleets_topic()
    {
        await using var h = new SyncHarness();
        await using var store = h.OpenSqlite();
        await store.MigrateAsync();
        await store.RegisterDeviceAsync(new DeviceRegistration("dev-a", "alpha", "esp32-devkitc", null));
        using var metrics = new HostMetrics();
        var pipeline = new IngestPipeline(store, metrics, NullLogger.Instance, 64);

        byte[] Hello(uint seq, string board) => WireCodec.Encode(new Message(MessageKind.Hello, "dev-a", seq, 0, new HelloPayload { Board = board, FirmwareVersion = "1" }.Encode()));
        await pipeline.ProcessAsync(
            [
                new InboundUplink(Topics.Up("beta", "dev-a", MessageKind.Hello), Hello(1, "forged"), DateTimeOffset.UtcNow, _ => Task.CompletedTask),
                new InboundUplink(Topics.Up("alpha", "dev-a", MessageKind.Hello), Hello(2, "esp32-s3"), DateTimeOffset.UtcNow, _ => Task.CompletedTask),
            ],
            CancellationToken.None);

        var device = await store.GetDeviceAsync("dev-a");
        Assert.NotNull(device);
        Assert.Equal("alpha", device.Fleet);
        Assert.Equal("esp32-s3", device.Board);
        Assert.Equal([2L], await store.SequencesAsync("dev-a"));
        var reject = Assert.Single(await store.RejectsAsync());
        Assert.Equal(RejectReason.TopicMismatch, reject.Reason);
        Assert.Contains("fleet 'alpha'", reject.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retained_garbage_uplink_is_counted_once_across_host_restarts()
    {
        await using var h = new SyncHarness();
        using var mosquitto = new MosquittoProcess();
        await using var store = h.OpenSqlite();
        var first = await h.StartHostAsync(store, mosquitto.Port, embedded: false);

        using var rogue = new MqttClientFactory().CreateMqttClient();
        await rogue.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mosquitto.Port).WithClientId("rogue-r").WithCleanSession().Build());
        await rogue.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Up("test", "rogue-r", MessageKind.Heartbeat))
            .WithPayload([0xde, 0xad]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
        await EmbeddedBrokerLimitsTests.WaitUntilAsync(() => first.Metrics.Rejected == 1);
        await first.DisposeAsync();

        for (int restart = 0; restart < 2; restart++)
        {
            await using var again = await h.StartHostAsync(store, mosquitto.Port, embedded: false, workerId: $"tinymlops-host-test-{restart}");
            await EmbeddedBrokerLimitsTests.WaitUntilAsync(() => again.Metrics.RetainedIgnored == 1);
            await Task.Delay(300);
            Assert.Equal(0, again.Metrics.Rejected);
        }

        Assert.Equal(1, (await store.CountsAsync(DateTimeOffset.UtcNow)).Rejects);
    }

    [Fact]
    public async Task Handing_uplinks_to_a_busy_pipeline_never_waits_and_sheds_beyond_its_byte_budget()
    {
        await using var h = new SyncHarness();
        await using var store = h.OpenSqlite();
        await store.MigrateAsync();
        using var metrics = new HostMetrics();
        // The pipeline is not running: everything handed over waits, as behind a slow store.
        var pipeline = new IngestPipeline(store, metrics, NullLogger.Instance, 64) { MaxQueuedBytes = 20_000 * 300 };
        int acked = 0;
        string topic = Topics.Up("f", "dev-busy", MessageKind.Heartbeat);
        for (int i = 0; i < 25_000; i++)
        {
            var uplink = new InboundUplink(topic, new byte[40], DateTimeOffset.UtcNow, _ =>
            {
                Interlocked.Increment(ref acked);
                return Task.CompletedTask;
            });
            // A handler that waits here stops the MQTT client reading its socket, PUBACKs and pings included.
            Assert.True(pipeline.EnqueueAsync(uplink, CancellationToken.None).IsCompleted, $"uplink {i} waited");
        }

        long queued = 20_000 * 300 / (40 + (2 * topic.Length) + 200);
        Assert.Equal(queued, 25_000 - metrics.Shed);
        Assert.Equal(metrics.Shed, acked);
    }

    private static long DatabaseBytes(string db)
    {
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db}"))
        {
            c.Open();
            using var checkpoint = c.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        return new FileInfo(db).Length;
    }
}
