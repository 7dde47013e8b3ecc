using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Web.Contracts;

/// <summary>`device show --output json`: the device (as `fleet ls` gives it) plus what the panel and tables show; whether it is provisioned, never the hash.</summary>
public sealed record DeviceDetailJson(
    DeviceJson Device,
    long KernelMask,
    long UptimeSeconds,
    bool Provisioned,
    IReadOnlyList<DeviceDetailJson.Consent> ConsentSettings,
    IReadOnlyList<string> StaleModels,
    IReadOnlyList<DeviceDetailJson.Message> RecentUplink,
    IReadOnlyList<DeviceDetailJson.Command> PendingCommands,
    IReadOnlyList<DeviceDetailJson.Telemetry> TelemetrySinceBoot)
{
    public static DeviceDetailJson Of(
        DeviceRecord d,
        IReadOnlyList<StoredMessage> recent,
        IReadOnlyList<CommandRecord> pending,
        IReadOnlyList<DeviceConsentRecord> consent,
        IReadOnlyList<StaleImageFinding> stale,
        IReadOnlyList<VariantTelemetryRecord> telemetry,
        DateTimeOffset now,
        TimeSpan onlineWindow) => new(
            DeviceJson.Of(d, now, onlineWindow),
            d.KernelMask,
            d.UptimeSeconds,
            d.CredentialHash != null,
            [.. consent.Select(c => new Consent(c.Category, c.Setting, c.Granted, c.UpdatedAt))],
            [.. stale.Select(s => s.Describe())],
            [.. recent.OrderByDescending(m => m.Sequence).Take(12).Select(m => new Message(
                m.Sequence,
                MessageKind.Name(m.Kind) ?? m.Kind.ToString(System.Globalization.CultureInfo.InvariantCulture),
                m.DeviceTimestamp == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(m.DeviceTimestamp),
                m.ReceivedAt,
                m.Payload.Length))],
            [.. pending.Select(c => new Command(c.CommandId, c.Name, c.CreatedAt, c.SentAt))],
            [.. telemetry.OrderBy(t => t.VariantId, StringComparer.Ordinal).Select(t => new Telemetry(
                t.VariantId, t.BootCount, t.Inferences, t.LatencySumMicros, t.LatencyMaxMicros, t.ArenaBytes, t.WorkingBytes, t.MinFreeHeapBytes,
                t.Metered ? t.EnergyMicrojoules : null, t.UpdatedAt))]);

    public sealed record Consent(string Category, string Setting, bool Granted, DateTimeOffset UpdatedAt);

    public sealed record Message(long Sequence, string Kind, DateTimeOffset? DeviceTime, DateTimeOffset ReceivedAt, int Bytes);

    public sealed record Command(long CommandId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

    public sealed record Telemetry(
        string VariantId, long BootCount, long Inferences, long LatencySumMicros, long LatencyMaxMicros, long ArenaBytes, long WorkingBytes,
        long MinFreeHeapBytes, long? EnergyMicrojoules, DateTimeOffset UpdatedAt);
}
