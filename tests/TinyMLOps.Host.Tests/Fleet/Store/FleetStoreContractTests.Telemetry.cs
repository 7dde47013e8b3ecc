using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static VariantTelemetry Telemetry(string variant, uint inferences, long latencyMicros, uint heap = 50_000)
    {
        var t = new VariantTelemetry
        {
            VariantId = variant,
            Inferences = inferences,
            LatencySumMicros = inferences * latencyMicros,
            LatencyMaxMicros = inferences == 0 ? 0 : (uint)latencyMicros,
            ArenaBytes = 9_000,
            WorkingBytes = 11_000,
            MinFreeHeapBytes = heap,
        };
        t.LatencyHistogram[VariantTelemetry.BucketOf(latencyMicros)] = inferences;
        return t;
    }

    private static IngestRecord Heartbeat(string device, long seq, uint boots, params VariantTelemetry[]? telemetry)
    {
        var hb = new HeartbeatPayload { PowerSource = 2, Inferences = (uint)(telemetry?.Sum(t => t.Inferences) ?? 0), BootCount = boots, Telemetry = telemetry };
        return new IngestRecord("lab", device, seq, MessageKind.Heartbeat, 0, T0.AddMinutes(seq), hb.Encode()) { Heartbeat = hb };
    }

    private static IngestRecord HelloFrom(string device, long seq, string board)
    {
        var hello = new HelloPayload { Board = board, FirmwareVersion = "0.5.0", ModelId = "fashion" };
        return new IngestRecord("lab", device, seq, MessageKind.Hello, 0, T0.AddMinutes(seq), hello.Encode()) { Hello = hello };
    }

    [StoreFact]
    public async Task The_newest_heartbeat_telemetry_is_kept_per_device_and_variant()
    {
        await Store.IngestAsync([HelloFrom("d1", 1, "esp32-s3"), HelloFrom("d2", 1, "stm32f769i-disco")]);
        await Store.IngestAsync([Heartbeat("d1", 2, 1, Telemetry("cnn-w1", 10, 2_000)), Heartbeat("d1", 3, 1, Telemetry("cnn-w1", 25, 2_100), Telemetry("mlp", 4, 300))]);
        await Store.IngestAsync([Heartbeat("d2", 2, 3, Telemetry("cnn-w1", 7, 9_000, heap: 0))]);

        var all = await Store.VariantTelemetryAsync(new VariantTelemetryQuery());
        Assert.Equal([("d1", "cnn-w1"), ("d1", "mlp"), ("d2", "cnn-w1")], all.Select(t => (t.DeviceId, t.VariantId)).OrderBy(x => x));
        var cnn = all.Single(t => t.DeviceId == "d1" && t.VariantId == "cnn-w1");
        Assert.Equal((25L, 25L * 2_100, 2_100L, 3L, 1L, "esp32-s3", "lab"), (cnn.Inferences, cnn.LatencySumMicros, cnn.LatencyMaxMicros, cnn.HeartbeatSequence, cnn.BootCount, cnn.Board, cnn.Fleet));
        Assert.Equal((9_000L, 11_000L, 50_000L, 0L), (cnn.ArenaBytes, cnn.WorkingBytes, cnn.MinFreeHeapBytes, cnn.EnergyMicrojoules));
        Assert.Equal(VariantTelemetry.LatencyBuckets, cnn.LatencyHistogram.Length);
        Assert.Equal(25L, cnn.LatencyHistogram[VariantTelemetry.BucketOf(2_100)]);
        Assert.Equal(T0.AddMinutes(3), cnn.UpdatedAt);

        // An older heartbeat arriving late, and one without the section, change nothing; a newer one replaces the figures.
        await Store.IngestAsync([Heartbeat("d1", 1_000, 1)]);
        await Store.IngestAsync([Heartbeat("d1", 0 + 2_000, 2, Telemetry("cnn-w1", 3, 2_050))]);
        await Store.IngestAsync([Heartbeat("d1", 1_500, 1, Telemetry("cnn-w1", 99, 1))]);
        cnn = (await Store.VariantTelemetryAsync(new VariantTelemetryQuery { DeviceId = "d1", VariantId = "cnn-w1" })).Single();
        Assert.Equal((3L, 2L, 2_000L), (cnn.Inferences, cnn.BootCount, cnn.HeartbeatSequence));

        Assert.Equal(["d2"], (await Store.VariantTelemetryAsync(new VariantTelemetryQuery { Board = "stm32f769i-disco" })).Select(t => t.DeviceId));
        Assert.Empty(await Store.VariantTelemetryAsync(new VariantTelemetryQuery { Fleet = "other" }));
    }
}
