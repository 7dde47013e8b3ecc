using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>A device as the API and `--output json` give it: what the table shows, in numbers and ISO 8601 times; never its credential hash.</summary>
public sealed record DeviceJson(
    string DeviceId,
    string Fleet,
    string Board,
    string FirmwareVersion,
    string KernelBackend,
    string ModelId,
    long ModelVersion,
    bool Online,
    int PowerSource,
    int BatteryPercent,
    long FreeHeapBytes,
    long FreeFlashBytes,
    long OutboxEntries,
    long OutboxBytes,
    long DroppedTotal,
    long Inferences,
    long BootCount,
    long MessageCount,
    long LastSequence,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    IReadOnlyList<string> Tags,
    bool Decommissioned,
    DateTimeOffset? DecommissionedAt,
    string? DecommissionReason)
{
    public static DeviceJson Of(DeviceRecord d, DateTimeOffset now, TimeSpan onlineWindow, IReadOnlyList<string>? tags = null) => new(
        d.DeviceId, d.Fleet, d.Board, d.FirmwareVersion, d.KernelBackend, d.ModelId, d.ModelVersion, d.IsOnline(now, onlineWindow),
        d.PowerSource, d.BatteryPercent, d.FreeHeapBytes, d.FreeFlashBytes, d.OutboxEntries, d.OutboxBytes, d.DroppedTotal, d.Inferences,
        d.BootCount, d.MessageCount, d.LastSequence, d.FirstSeen, d.LastSeen, tags ?? [], d.Decommissioned, d.DecommissionedAt, d.Decommissioned ? d.DecommissionReason : null);
}
