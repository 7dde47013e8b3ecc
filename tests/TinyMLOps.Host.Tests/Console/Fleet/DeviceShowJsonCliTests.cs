using System.Text.Json;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>`device show --output json`: one document with the device, its uplink and its telemetry, no credential hash.</summary>
public sealed class DeviceShowJsonCliTests : ConsoleTest
{
    [Fact]
    public async Task Device_show_json_holds_the_stored_device_uplink_and_telemetry()
    {
        string db = Path.Combine(Dir.FullName, "fleet.db");
        var seen = DateTimeOffset.UtcNow.AddSeconds(-30);
        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
        {
            await store.RegisterDeviceAsync(new DeviceRegistration("cam-01", "lab", "esp32-s3", "secret-hash-value"));
            var hello = new HelloPayload { Board = "esp32-s3", FirmwareVersion = "0.5.0", ModelId = "fashion", FreeHeapBytes = 41_000 };
            var t = new VariantTelemetry { VariantId = "cnn-w0.5", Inferences = 321, LatencySumMicros = 321L * 40_000, LatencyMaxMicros = 40_000 };
            t.LatencyHistogram[VariantTelemetry.BucketOf(40_000)] = 321;
            var hb = new HeartbeatPayload { PowerSource = 2, Inferences = 321, Telemetry = [t] };
            await store.IngestAsync(
            [
                new IngestRecord("lab", "cam-01", 1, MessageKind.Hello, 0, seen, hello.Encode()) { Hello = hello },
                new IngestRecord("lab", "cam-01", 2, MessageKind.Heartbeat, 0, seen, hb.Encode()) { Heartbeat = hb },
            ]);
        }

        Assert.Equal(0, Run("device", "show", "cam-01", "--db", db, "--output", "json"));
        string text = Out.ToString();
        Assert.DoesNotContain("secret-hash-value", text);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        var device = root.GetProperty("device");
        Assert.Equal("esp32-s3", device.GetProperty("board").GetString());
        Assert.Equal(41_000, device.GetProperty("freeHeapBytes").GetInt64());
        Assert.Equal(321, device.GetProperty("inferences").GetInt64());
        Assert.True(root.GetProperty("provisioned").GetBoolean());
        Assert.Equal(seen.ToUnixTimeSeconds(), device.GetProperty("lastSeen").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal([2L, 1L], root.GetProperty("recentUplink").EnumerateArray().Select(m => m.GetProperty("sequence").GetInt64()));
        Assert.Equal("heartbeat", root.GetProperty("recentUplink")[0].GetProperty("kind").GetString(), ignoreCase: true);
        var telemetry = Assert.Single(root.GetProperty("telemetrySinceBoot").EnumerateArray());
        Assert.Equal("cnn-w0.5", telemetry.GetProperty("variantId").GetString());
        Assert.Equal(40_000, telemetry.GetProperty("latencyMaxMicros").GetInt64());
        Assert.Equal(JsonValueKind.Null, telemetry.GetProperty("energyMicrojoules").ValueKind);
    }
}
