using System.Text.Json;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Telemetry;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>`fleet telemetry` and `fleet consent` with `--output json`, over stores filled by hand.</summary>
public sealed class FleetJsonCliTests : ConsoleTest
{
    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    [Fact]
    public async Task Fleet_telemetry_json_pools_per_board_and_variant()
    {
        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            var now = DateTimeOffset.UtcNow;
            var hello1 = new HelloPayload { Board = "esp32-s3", FirmwareVersion = "0.5.0", ModelId = "fashion" };
            var hello2 = new HelloPayload { Board = "esp32-c3", FirmwareVersion = "0.5.0", ModelId = "fashion" };
            var hb1 = new HeartbeatPayload { PowerSource = 2, Inferences = 1_234 + 55, Telemetry = [TelemetrySamples.Variant("cnn-w0.5", 1_234, 40_000), TelemetrySamples.Variant("mlp-w1", 55, 3_000, energy: 55 * 1_500)] };
            var hb2 = new HeartbeatPayload { PowerSource = 2, Inferences = 77, Telemetry = [TelemetrySamples.Variant("cnn-w0.5", 77, 90_000)] };
            await store.IngestAsync(
            [
                new IngestRecord("lab", "cam-01", 1, MessageKind.Hello, 0, now, hello1.Encode()) { Hello = hello1 },
                new IngestRecord("lab", "cam-01", 2, MessageKind.Heartbeat, 0, now, hb1.Encode()) { Heartbeat = hb1 },
                new IngestRecord("lab", "cam-02", 1, MessageKind.Hello, 0, now, hello2.Encode()) { Hello = hello2 },
                new IngestRecord("lab", "cam-02", 2, MessageKind.Heartbeat, 0, now, hb2.Encode()) { Heartbeat = hb2 },
            ]);
        }

        Assert.Equal(0, Run("fleet", "telemetry", "--db", Db, "--registry", Path.Combine(Dir.FullName, "none"), "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("pairs").GetInt32());
        Assert.Equal(2, root.GetProperty("devices").GetInt32());
        var rows = root.GetProperty("rows").EnumerateArray().ToDictionary(r => (r.GetProperty("board").GetString(), r.GetProperty("variantId").GetString()));
        var s3cnn = rows[("esp32-s3", "cnn-w0.5")];
        Assert.Equal(1_234, s3cnn.GetProperty("inferences").GetInt64());
        Assert.Equal(40.0, s3cnn.GetProperty("meanLatencyMs").GetDouble(), 6);
        Assert.True(s3cnn.GetProperty("energyEstimated").GetBoolean());
        var mlp = rows[("esp32-s3", "mlp-w1")];
        Assert.Equal(1.5, mlp.GetProperty("energyPerInferenceMj").GetDouble(), 6);
        Assert.False(mlp.GetProperty("energyEstimated").GetBoolean());
        Assert.Equal(77, rows[("esp32-c3", "cnn-w0.5")].GetProperty("inferences").GetInt64());
        Assert.Equal(JsonValueKind.Null, mlp.GetProperty("latencyRatio").ValueKind); // no model summary without a registry
    }

    [Fact]
    public async Task Fleet_consent_json_counts_devices_per_category_and_setting()
    {
        await using (var store = await FleetStoreFactory.OpenAsync(null, Db))
        {
            var now = DateTimeOffset.UtcNow;
            HelloPayload Hello(int drift, int learning, int telemetry, int granted) =>
                new() { Board = "esp32-s3", ConsentSettings = [drift, learning, telemetry], ConsentGranted = granted };
            var a = Hello(UploadConsent.Off, UploadConsent.Charging, UploadConsent.Ask, 1 << UploadConsent.Telemetry);
            var b = Hello(UploadConsent.On, UploadConsent.Charging, UploadConsent.Ask, 0);
            var old = new HelloPayload { Board = "esp32-s3" };
            await store.IngestAsync(
            [
                new IngestRecord("lab", "cam-01", 1, MessageKind.Hello, 0, now, a.Encode()) { Hello = a },
                new IngestRecord("lab", "cam-02", 1, MessageKind.Hello, 0, now, b.Encode()) { Hello = b },
                new IngestRecord("lab", "cam-03", 1, MessageKind.Hello, 0, now, old.Encode()) { Hello = old },
            ]);
        }

        Assert.Equal(0, Run("fleet", "consent", "--db", Db, "--output", "json"));
        using var doc = JsonDocument.Parse(Out.ToString());
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("devices").GetInt32());
        var categories = root.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(2, categories["learning"].GetProperty("devices").GetProperty("charging").GetInt32());
        Assert.Equal(1, categories["drift"].GetProperty("devices").GetProperty("off").GetInt32());
        Assert.Equal(1, categories["drift"].GetProperty("devices").GetProperty("on").GetInt32());
        Assert.Equal(2, categories["telemetry"].GetProperty("devices").GetProperty("ask").GetInt32());
        Assert.Equal(1, categories["telemetry"].GetProperty("askGranted").GetInt32());
        Assert.Equal(6, root.GetProperty("settings").GetArrayLength());
    }
}
