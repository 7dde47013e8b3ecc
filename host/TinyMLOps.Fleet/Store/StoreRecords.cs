using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Store;

/// <summary>One decoded uplink message ready to store. The payload of the kinds the host acts on is set for its kind.</summary>
public sealed record IngestRecord(
    string Fleet,
    string DeviceId,
    long Sequence,
    int Kind,
    uint DeviceTimestamp,
    DateTimeOffset ReceivedAt,
    byte[] Payload)
{
    public HelloPayload? Hello { get; init; }

    public HeartbeatPayload? Heartbeat { get; init; }

    public DroppedPayload? Dropped { get; init; }

    public CommandResultPayload? CommandResult { get; init; }

    public ChunkStatusPayload? ChunkStatus { get; init; }
}

public sealed record StoredMessage(string DeviceId, long Sequence, int Kind, uint DeviceTimestamp, DateTimeOffset ReceivedAt, byte[] Payload);

/// <summary>A message the host refused: where it came from (as far as known) and why.</summary>
public sealed record RejectRecord(DateTimeOffset At, string Topic, string? DeviceId, int Reason, string Detail, int Size);

public sealed record DeviceRegistration(string DeviceId, string Fleet, string Board, string? CredentialHash);

public sealed record DeviceRecord(
    string DeviceId,
    string Fleet,
    string Board,
    string FirmwareVersion,
    string ModelId,
    long ModelVersion,
    long FreeHeapBytes,
    long FreeFlashBytes,
    long KernelMask,
    int PowerSource,
    int BatteryPercent,
    long BootCount,
    long OutboxEntries,
    long OutboxBytes,
    long DroppedTotal,
    long Inferences,
    long UptimeSeconds,
    long MessageCount,
    long LastSequence,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    string? CredentialHash,
    string KernelBackend = "",
    DateTimeOffset? DecommissionedAt = null,
    string DecommissionReason = "")
{
    public bool Decommissioned => DecommissionedAt != null;

    /// <summary>Seen within the window before now: what the tables mark green, `fleet ls --online` and the API's online filter keep.</summary>
    public bool IsOnline(DateTimeOffset now, TimeSpan onlineWindow) => LastSeen != null && now - LastSeen.Value <= onlineWindow;
}

public sealed record FleetCounts(long Devices, long Online, long Messages, long Rejects, long PendingCommands);

public sealed record CommandRecord(
    long CommandId,
    string DeviceId,
    string Name,
    byte[] Arguments,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt,
    int? Status,
    string? Detail,
    DateTimeOffset? CompletedAt);
