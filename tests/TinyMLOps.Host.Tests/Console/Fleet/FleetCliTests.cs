using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>The fleet verbs (fleet ls, device show, status) and the demo, through the real command tree.</summary>
public sealed class FleetCliTests : ConsoleTest
{
    [Fact]
    public async Task Fleet_ls_device_show_and_status_render_what_the_store_holds()
    {
        string db = Path.Combine(Dir.FullName, "fleet.db");
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            var now = DateTimeOffset.UtcNow;
            var hello = new HelloPayload
            {
                Board = "esp32-s3", FirmwareVersion = "0.3.0", ModelId = "fashion-mlp", PowerSource = 1, BatteryPercent = 64,
                ConsentSettings = [1], InstalledHashes = [new byte[8]], KernelBackend = "native",
            };
            var heartbeat = new HeartbeatPayload { PowerSource = 1, BatteryPercent = 63, OutboxEntries = 2, Inferences = 4242, UptimeSeconds = 3600 };
            await store.IngestAsync(
            [
                new IngestRecord("lab", "cam-01", 1, MessageKind.Hello, 0, now, hello.Encode()) { Hello = hello },
                new IngestRecord("lab", "cam-01", 2, MessageKind.Heartbeat, 0, now, heartbeat.Encode()) { Heartbeat = heartbeat },
                new IngestRecord("lab", "cam-02", 1, MessageKind.Heartbeat, 0, now.AddDays(-2), heartbeat.Encode()) { Heartbeat = heartbeat },
            ]);
            await store.RecordRejectAsync(new RejectRecord(now, "tinymlops/v1/lab/cam-03/up/hello", "cam-03", RejectReason.BadChecksum, "bad_checksum: CRC-32 mismatch", 40));
            await store.EnqueueCommandAsync("cam-01", "reboot", []);
        }

        Assert.Equal(0, Run("fleet", "ls", "--db", db));
        string ls = Out.ToString();
        Assert.Contains("cam-01", ls);
        Assert.Contains("esp32-s3", ls);
        Assert.Contains("63%", ls);
        Assert.Contains("native", ls);
        Assert.Contains("2 devices", ls);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("device", "show", "cam-01", "--db", db));
        string show = Out.ToString();
        Assert.Contains("fashion-mlp", show);
        Assert.Contains("4,242", show);
        Assert.Matches(@"kernels\s+native, operators 0x00000000", show);
        Assert.Contains("reboot", show);
        Assert.Contains("heartbeat", show);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("status", "--db", db));
        string status = Out.ToString();
        Assert.Matches(@"devices\s+2 \(1 online\)", status);
        Assert.Contains("bad_checksum", status);
        Assert.Matches(@"pending commands\s+1", status);

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("device", "show", "nope", "--db", db));
        Assert.Contains("no device 'nope'", Out.ToString());
    }

    [Fact]
    public void Fleet_ls_without_a_database_says_how_to_get_one()
    {
        Assert.Equal(1, Run("fleet", "ls", "--db", Path.Combine(Dir.FullName, "missing.db")));
        Assert.Contains("tinymlops serve", Out.ToString());
    }

    [Fact]
    public void Demo_runs_host_broker_fleet_and_console_and_drains_every_outbox()
    {
        string db = Path.Combine(Dir.FullName, "demo.db");
        Assert.Equal(0, Run("demo", "--devices", "4", "--days", "0.1", "--db", db));
        string output = Out.ToString();
        Assert.Contains("embedded MQTT broker", output);
        Assert.Contains("drained", output);
        Assert.Contains("demo-0003", output);
        Assert.Matches(@"the host rejected [1-9]\d* malformed", output);
        Assert.Matches(@"broker refused [1-9]\d* publish", output);

        // The default attacker board is caught by the signals in its own receipts; the four others are not.
        Assert.Contains("model extraction: 1 of 5 metered boards flagged", output);
        Assert.Contains("demo-x000", output);

        // The fashion scenario's drift on a third of the boards, and what the host made of their windows.
        Assert.Contains("from day 0.05 on, 2 board(s) (demo-0000, demo-0003): the cameras' exposure changes", output);
        Assert.Matches(@"drift: [1-9][\d,]* drift windows from [1-9]\d* boards; \d+ board\(s\) raised an alert, \d+ of the 2 shifted ones", output);
    }

    [Fact]
    public async Task Sim_runs_virtual_boards_against_a_serving_host_and_live_shows_them()
    {
        string db = Path.Combine(Dir.FullName, "sim.db");
        int port = TinyMLOps.Fleet.Broker.MosquittoProcess.FreePort();
        await using (var store = FleetStoreFactory.Open(null, db))
        {
            var options = new TinyMLOps.Fleet.Hosting.SyncOptions { BrokerPort = port, WorkerId = "tinymlops-host-sim" };
            await using var host = await TinyMLOps.Fleet.Hosting.SyncHost.StartAsync(options, store, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            Assert.Equal(0, Run("sim", "-n", "3", "--hours", "2", "--broker", $"127.0.0.1:{port}", "--fleet", "simtest", "--storage", Path.Combine(Dir.FullName, "boards")));
            Assert.Contains("drained", Out.ToString());
            Assert.Equal(3, (await store.ListDevicesAsync("simtest")).Count);
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("live", "--db", db, "--seconds", "1"));
        Assert.Contains("simtest-0002", Out.ToString());
    }

    [Fact]
    public void Without_fashion_mnist_the_demo_uses_the_shipped_subset_and_says_so()
    {
        string empty = Directory.CreateDirectory(Path.Combine(Dir.FullName, "no-data")).FullName;
        Assert.Equal(0, Run("demo", "--devices", "2", "--days", "0.05", "--db", Path.Combine(Dir.FullName, "subset.db"), "--data", empty));
        Assert.Contains("using the repository's subset of 1,000 images", Out.ToString());
    }
}
