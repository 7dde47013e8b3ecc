using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>The default set-up: the host's embedded MQTTnet broker and SQLite, with virtual boards running the device core.</summary>
[Collection(SyncCollection.Name)]
public sealed class EmbeddedBrokerSyncTests
{
    [Fact]
    public async Task Intermittent_boards_sync_every_message_and_upload_through_the_embedded_broker()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true);

        var artifacts = new Dictionary<string, byte[]>();
        for (int i = 0; i < 6; i++)
        {
            var pattern = i % 2 == 0 ? ConnectivityPattern.AlwaysOn : new ConnectivityPattern(60, 15, i * 7);
            var board = h.AddBoard($"emb-{i}", port, pattern: pattern, heartbeatSeconds: 300);
            var artifact = new byte[5000 + (i * 1111)];
            new Random(i).NextBytes(artifact);
            Assert.True(board.Device.Uploads.Upload((uint)(100 + i), 2, artifact, h.Clock.ForBoard(() => 0).UnixSeconds).Accepted);
            artifacts[board.DeviceId] = artifact;
        }

        h.Run(TimeSpan.FromHours(6), TimeSpan.FromMinutes(1));
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)), "outboxes did not drain");
        await h.AssertNothingLostAsync(store);

        foreach (var (device, artifact) in artifacts)
        {
            var transfer = Assert.Single(await UplinkTransfers.ListAsync(store, device));
            Assert.True(transfer.Complete, $"{device}: {transfer.ChunksStored} of {transfer.ChunkCount} chunks");
            Assert.Equal(artifact, transfer.Artifact);
        }

        var record = await store.GetDeviceAsync("emb-1");
        Assert.NotNull(record);
        Assert.Equal("esp32-devkitc", record.Board);
        Assert.Equal("test", record.Fleet);
        Assert.True(record.MessageCount >= 3);
        Assert.Equal(0, host.Metrics.Rejected);
    }

    [Fact]
    public async Task The_embedded_broker_refuses_a_publish_on_another_devices_topic()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true);

        using var rogue = new MqttNetTransport("127.0.0.1", port, "rogue-1");
        Assert.True(rogue.Connect());
        var forged = WireCodec.Encode(new Message(MessageKind.Heartbeat, "victim-1", 1, 0, new HeartbeatPayload().Encode()));
        // MQTT 3.1.1 has no refusal in PUBACK, so the client sees success; the broker drops the message.
        rogue.Publish(Topics.Up("test", "victim-1", MessageKind.Heartbeat), forged);

        await Task.Delay(300);
        Assert.Equal(1, host.Broker!.RefusedPublishes);
        Assert.Null(await store.GetDeviceAsync("victim-1"));
    }

    [Fact]
    public async Task The_generic_host_service_serves_a_board_and_exposes_prometheus_metrics()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        string db = Path.Combine(h.Directory_, "service.db");
        var options = new SyncOptions { BrokerPort = port, SqlitePath = db, WorkerId = "tinymlops-host-svc" };
        using var service = TinyMLOps.Web.Hosting.ServeApp.Build(TinyMLOps.Web.Hosting.ServeSettings.From(options, new TinyMLOps.Web.Hosting.HttpOptions { Url = "http://127.0.0.1:0" }));
        await service.StartAsync();
        try
        {
            var board = h.AddBoard("svc-1", port);
            await MosquittoSyncTests.WaitUntilAsync(() =>
            {
                h.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), pauseMillis: 20);
                return board.Device.Downlink.AcksReceived > 0 && board.Device.Outbox.PendingCount == 0;
            });
            using var http = new HttpClient();
            // The OpenTelemetry SDK's Prometheus exporter on the HTTP listener (OpenMetrics when asked, text otherwise).
            string metrics = await http.GetStringAsync(new Uri(TinyMLOps.Web.Hosting.ServeApp.HttpAddress(service)!, "metrics"));
            Assert.Matches(@"tinymlops_messages_stored_total(\{[^}]*\})? [1-9]", metrics);
            Assert.Contains("# TYPE tinymlops_devices_online gauge", metrics);
            Assert.Contains("tinymlops_ingest_lag_seconds_bucket", metrics);
            Assert.Contains("tinymlops_ingest_queued", metrics);
        }
        finally
        {
            await service.StopAsync();
        }

        await using var store = TinyMLOps.Fleet.Store.FleetStoreFactory.Open(null, db);
        Assert.Equal("esp32-devkitc", (await store.GetDeviceAsync("svc-1"))!.Board);
    }

    [Fact]
    public async Task With_credentials_required_only_a_provisioned_device_with_its_secret_connects()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var store = h.OpenSqlite();
        h.Own(store);
        var options = new SyncOptions { BrokerPort = port, WorkerId = "tinymlops-host-cred", RequireDeviceCredentials = true, Password = "host-secret" };
        var host = await SyncHost.StartAsync(options, store, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        h.Own(host);
        string secret = DeviceCredentials.NewSecret();
        await store.RegisterDeviceAsync(new TinyMLOps.Fleet.Store.DeviceRegistration("cred-1", "test", "esp32-c3", DeviceCredentials.Hash(secret)));

        using (var good = new MqttNetTransport("127.0.0.1", port, "cred-1", "cred-1", secret))
        {
            Assert.True(good.Connect());
        }

        using (var wrong = new MqttNetTransport("127.0.0.1", port, "cred-1", "cred-1", DeviceCredentials.NewSecret()))
        {
            Assert.False(wrong.Connect());
        }

        using (var unknown = new MqttNetTransport("127.0.0.1", port, "cred-2", "cred-2", secret))
        {
            Assert.False(unknown.Connect());
        }

        Assert.Equal(2, host.Broker!.RefusedConnections);
        Assert.True(host.IsConnected, "the host worker logs in with the host credential");

        // A client that names itself a host needs the host's secret: without it, or with a wrong one, it reads nothing.
        using (var impostor = new MqttNetTransport("127.0.0.1", port, "tinymlops-host-evil"))
        {
            Assert.False(impostor.Connect());
        }

        using (var guesser = new MqttNetTransport("127.0.0.1", port, "tinymlops-host-evil", "x", "host-secreT"))
        {
            Assert.False(guesser.Connect());
        }

        Assert.Equal(4, host.Broker!.RefusedConnections);
    }

    [Fact]
    public async Task With_device_credentials_required_and_no_host_secret_no_client_gets_in_as_a_host()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var store = h.OpenSqlite();
        h.Own(store);
        await using var broker = new TinyMLOps.Fleet.Broker.EmbeddedBroker(port, store, requireCredentials: true, hostPassword: null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await broker.StartAsync();

        using (var impostor = new MqttNetTransport("127.0.0.1", port, "tinymlops-host-1"))
        {
            Assert.False(impostor.Connect());
        }

        Assert.Equal(1, broker.RefusedConnections);
    }
}
