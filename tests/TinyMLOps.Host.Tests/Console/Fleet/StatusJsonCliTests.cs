using System.Text.Json;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>`status --output json`: the fleet totals and the recent rejects.</summary>
public sealed class StatusJsonCliTests : ConsoleTest
{
    [Fact]
    public async Task Status_json_counts_devices_online_commands_and_lists_the_rejects()
    {
        string db = Path.Combine(Dir.FullName, "fleet.db");
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            var now = DateTimeOffset.UtcNow;
            var hello = new HelloPayload { Board = "esp32-s3", FirmwareVersion = "0.3.0", ModelId = "fashion-mlp", PowerSource = 1, BatteryPercent = 64 };
            var heartbeat = new HeartbeatPayload { PowerSource = 1, BatteryPercent = 63, Inferences = 4242 };
            await store.IngestAsync(
            [
                new IngestRecord("lab", "cam-01", 1, MessageKind.Hello, 0, now, hello.Encode()) { Hello = hello },
                new IngestRecord("lab", "cam-01", 2, MessageKind.Heartbeat, 0, now, heartbeat.Encode()) { Heartbeat = heartbeat },
                new IngestRecord("lab", "cam-02", 1, MessageKind.Heartbeat, 0, now.AddDays(-2), heartbeat.Encode()) { Heartbeat = heartbeat },
            ]);
            await store.RecordRejectAsync(new RejectRecord(now, "tinymlops/v1/lab/cam-03/up/hello", "cam-03", RejectReason.BadChecksum, "bad_checksum: CRC-32 mismatch", 40));
            await store.EnqueueCommandAsync("cam-01", "reboot", []);
            await store.EnqueueCommandAsync("cam-02", "reboot", []);
        }

        Assert.Equal(0, Run("status", "--db", db, "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("devices").GetInt64());
        Assert.Equal(1, root.GetProperty("online").GetInt64());
        Assert.Equal(3, root.GetProperty("messages").GetInt64());
        Assert.Equal(2, root.GetProperty("pendingCommands").GetInt64());
        Assert.Equal(1, root.GetProperty("rejects").GetInt64());
        var reject = Assert.Single(root.GetProperty("recentRejects").EnumerateArray());
        Assert.Equal("cam-03", reject.GetProperty("deviceId").GetString());
        Assert.Equal(RejectReason.Name(RejectReason.BadChecksum), reject.GetProperty("reason").GetString());
        Assert.Equal(40, reject.GetProperty("bytes").GetInt32());
    }
}
