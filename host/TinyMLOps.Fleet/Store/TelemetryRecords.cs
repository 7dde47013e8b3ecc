using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Store;

/// <summary>
/// One device's operational telemetry of one variant, totals since the device's boot <paramref name="BootCount"/> as
/// its newest heartbeat carried them (docs/observability.md).
/// </summary>
/// <param name="LatencyHistogram">Inferences per half-octave bucket (<see cref="VariantTelemetry.BucketOf"/>).</param>
/// <param name="MinFreeHeapBytes">The lowest free heap seen, 0 when the device cannot tell.</param>
/// <param name="EnergyMicrojoules">Metered energy, 0 when not metered.</param>
public sealed record VariantTelemetryRecord(
    string DeviceId,
    string Fleet,
    string Board,
    string VariantId,
    long BootCount,
    long HeartbeatSequence,
    long Inferences,
    long LatencySumMicros,
    long LatencyMaxMicros,
    long[] LatencyHistogram,
    long ArenaBytes,
    long WorkingBytes,
    long MinFreeHeapBytes,
    long EnergyMicrojoules,
    DateTimeOffset UpdatedAt)
{
    public bool Metered => EnergyMicrojoules > 0;

    /// <summary>The histogram as stored: one little-endian u32 per bucket.</summary>
    public static byte[] PackHistogram(IReadOnlyList<uint> counts)
    {
        var bytes = new byte[counts.Count * 4];
        for (int i = 0; i < counts.Count; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), counts[i]);
        }

        return bytes;
    }

    public static long[] UnpackHistogram(byte[] bytes) =>
        [.. Enumerable.Range(0, bytes.Length / 4).Select(i => (long)BitConverter.ToUInt32(bytes, i * 4))];
}

/// <summary>Which telemetry to read: every filter that is set must match.</summary>
public sealed record VariantTelemetryQuery
{
    public string? DeviceId { get; init; }

    public string? Fleet { get; init; }

    public string? Board { get; init; }

    public string? VariantId { get; init; }
}
