using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Telemetry;

/// <summary>Per-variant telemetry as a heartbeat carries it, for tests that fill a store by hand.</summary>
internal static class TelemetrySamples
{
    /// <summary>Every inference at one latency (one histogram bucket), 3 KB arena, 4 KB working memory, 70 KB free heap.</summary>
    public static VariantTelemetry Variant(string variant, uint inferences, uint latencyMicros, long energy = 0)
    {
        var t = new VariantTelemetry
        {
            VariantId = variant,
            Inferences = inferences,
            LatencySumMicros = (long)inferences * latencyMicros,
            LatencyMaxMicros = latencyMicros,
            ArenaBytes = 3_000,
            WorkingBytes = 4_000,
            MinFreeHeapBytes = 70_000,
            EnergyMicrojoules = energy,
        };
        t.LatencyHistogram[VariantTelemetry.BucketOf(latencyMicros)] = inferences;
        return t;
    }
}
