using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Telemetry;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>`fleet telemetry` and the telemetry lines of `device show`, over a store filled by hand.</summary>
public sealed class TelemetryCliTests : ConsoleTest
{
    [Fact]
    public async Task Fleet_telemetry_filters_by_board_and_variant_and_device_show_lists_the_variants()
    {
        string db = Path.Combine(Dir.FullName, "fleet.db");
        Assert.Equal(1, Run("fleet", "telemetry", "--db", db));
        Assert.Contains("no fleet database", Out.ToString());

        await using (var store = await FleetStoreFactory.OpenAsync(null, db))
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

        Out.GetStringBuilder().Clear();
        string noRegistry = Path.Combine(Dir.FullName, "none");
        Assert.Equal(0, Run("fleet", "telemetry", "--db", db, "--registry", noRegistry));
        string all = Out.ToString();
        Assert.Contains("1,234", all);
        Assert.Contains("esp32-c3", all);
        Assert.Contains("1.5 mJ (metered)", all);
        Assert.Contains("9.24 mJ (est.)", all); // esp32-s3: 231 mW x 40 ms
        Assert.Contains("3 board/variant pairs from 2 devices", all);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "telemetry", "--db", db, "--registry", noRegistry, "--variant", "cnn-w0.5", "--board", "esp32-c3"));
        string one = Out.ToString();
        Assert.Contains("77", one);
        Assert.DoesNotContain("1,234", one);
        Assert.DoesNotContain("mlp-w1", one);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "telemetry", "--db", db, "--registry", noRegistry, "--variant", "nope"));
        Assert.Contains("no telemetry yet", Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("device", "show", "cam-01", "--db", db));
        string show = Out.ToString();
        Assert.Contains("telemetry since boot", show);
        Assert.Contains("mlp-w1", show);
        Assert.Contains("40.0 / ", show);
        Assert.Contains("1.5 mJ", show);
    }
}
