namespace TinyMLOps.Fleet.Store;

/// <summary>
/// The ledger's view of one device's receipt chain: the next receipt sequence it expects, the hash that receipt must
/// name as its predecessor, and the flag. <see cref="Version"/> is bumped by every commit, so two workers verifying
/// the same device cannot both win (optimistic concurrency).
/// </summary>
public sealed record MeterDeviceState(
    string DeviceId,
    long Version,
    long NextSeq,
    byte[] HeadHash,
    bool Flagged,
    string FlagReason,
    DateTimeOffset? FlaggedAt,
    DateTimeOffset? ClearedAt,
    string ClearNote)
{
    /// <summary>A device the ledger has not seen: expects receipt 1, whose previous hash is 32 zero bytes.</summary>
    public static MeterDeviceState Initial(string deviceId) => new(deviceId, 0, 1, new byte[32], false, string.Empty, null, null, string.Empty);
}

/// <summary>
/// Per device and model: <see cref="ClaimedLimit"/> is one past the highest counter value the device's chain has
/// claimed; <see cref="LastFirst"/> the start of the newest billable range (-1 before one); the window and boot of the
/// newest billable receipt, for the non-decreasing window check.
/// </summary>
public sealed record MeterModelState(string DeviceId, string ModelId, long ClaimedLimit, long LastFirst, long LastWindowStart, long LastBoot);

/// <summary>
/// One usage-receipt message as the ledger classified it, keyed by its envelope (device, message sequence): the
/// receipt fields (zero when it did not decode), its hash, status (<see cref="MeterStatus"/>) and reason. InChain is
/// set for the receipt that occupies its position of the device's chain. BilledAt is the unix second the receipt
/// counts in for billing periods: its window end, never later than the host received it.
/// </summary>
public sealed record MeterReceiptRecord(
    string DeviceId,
    long MessageSeq,
    long ReceiptSeq,
    string ModelId,
    string VariantId,
    long First,
    long Count,
    long GraceCount,
    long WindowStart,
    long WindowEnd,
    long BootCount,
    long QuotaTokenId,
    int Flags,
    byte[] Hash,
    byte[] PrevHash,
    string Status,
    string Reason,
    string Detail,
    bool InChain,
    DateTimeOffset ReceivedAt,
    long BilledAt,
    DateTimeOffset ProcessedAt)
{
    public long Limit => First + Count;
}

/// <summary>A change of a stored receipt row: a held receipt released, a late one placed, untrusted ones cleared.</summary>
public sealed record MeterReceiptUpdate(long MessageSeq, string Status, string Reason, string Detail, bool InChain);

/// <summary>
/// A named verification failure or anomaly with its evidence (which receipts, what was expected). Serious findings
/// flag the device. Gap findings cover receipt sequences ReceiptSeq..LastReceiptSeq and are resolved when those fill.
/// </summary>
public sealed record MeterFindingRecord(
    long FindingId,
    string DeviceId,
    string Reason,
    bool Serious,
    long ReceiptSeq,
    long LastReceiptSeq,
    long MessageSeq,
    string Detail,
    DateTimeOffset At,
    DateTimeOffset? ResolvedAt);

/// <summary>
/// Everything one verification pass of one device writes, in one transaction: applied only if the device state is
/// still at <see cref="ExpectedVersion"/>.
/// </summary>
public sealed record MeterCommit(
    long ExpectedVersion,
    MeterDeviceState Device,
    IReadOnlyList<MeterModelState> Models,
    IReadOnlyList<MeterReceiptRecord> Inserts,
    IReadOnlyList<MeterReceiptUpdate> Updates,
    IReadOnlyList<MeterFindingRecord> Findings,
    IReadOnlyList<long> ResolvedFindings);

/// <summary>The stored ledger state of a device: its chain state, models, held receipts and open gaps.</summary>
public sealed record MeterSnapshot(
    MeterDeviceState Device,
    IReadOnlyList<MeterModelState> Models,
    IReadOnlyList<MeterReceiptRecord> Pending,
    IReadOnlyList<MeterFindingRecord> OpenGaps,
    long NewestMessageSeq);

/// <summary>Receipt counts of one customer, device and model (and status) over a period.</summary>
public sealed record MeterUsageRow(string Customer, string Fleet, string DeviceId, string ModelId, string Status, long Receipts, long Inferences, long GraceInferences);

/// <summary>Which usage to sum: a fleet, a customer, and a half-open period [Since, Until) of billing time.</summary>
public sealed record MeterUsageQuery(string? Fleet = null, string? Customer = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <summary>A quota token as issued: its fields, the command that carries it, and the device's answer once known.</summary>
public sealed record QuotaTokenRecord(
    string DeviceId,
    long TokenId,
    string ModelId,
    long Allowance,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    int Policy,
    long GraceAllowance,
    long CommandId,
    DateTimeOffset? SentAt,
    int? ResultStatus,
    string? ResultDetail,
    DateTimeOffset? AnsweredAt);

/// <summary>Receipt row statuses.</summary>
public static class MeterStatus
{
    /// <summary>Verified: billable.</summary>
    public const string Accepted = "accepted";

    /// <summary>Verified, but the device is flagged: billable only once an operator clears the flag.</summary>
    public const string Untrusted = "untrusted";

    /// <summary>Valid tag, waiting for a missing earlier receipt.</summary>
    public const string Pending = "pending";

    /// <summary>The same receipt again: recorded, not billed twice.</summary>
    public const string Replay = "replay";

    /// <summary>Failed verification: never billed.</summary>
    public const string Rejected = "rejected";

    /// <summary>Untrusted receipts the operator declined to bill when clearing the flag.</summary>
    public const string WrittenOff = "written-off";
}

/// <summary>The extraction signals one verified usage receipt carried (receipt version 2), keyed by device and receipt seq.</summary>
public sealed record QuerySignalRecord(
    string DeviceId,
    long ReceiptSeq,
    string ModelId,
    string VariantId,
    long WindowStart,
    long WindowEnd,
    long Count,
    long Observed,
    long LowConfidence,
    long OutOfDistribution,
    long NearDuplicate,
    long BaselinePerHour,
    DateTimeOffset ReceivedAt);

/// <summary>The states of an extraction suspect.</summary>
public static class SuspectStates
{
    /// <summary>Evaluated, nothing suspicious.</summary>
    public const string Normal = "normal";

    /// <summary>Its query pattern looked like model extraction; stays until an operator clears it.</summary>
    public const string Flagged = "flagged";

    /// <summary>An operator cleared the flag; only receipts after that can flag it again.</summary>
    public const string Cleared = "cleared";
}

/// <summary>The latest extraction evaluation of a device, and the flag an operator has to clear.</summary>
public sealed record ExtractionSuspectRecord(
    string DeviceId,
    string State,
    int Score,
    string Reasons,
    string ModelId,
    long Observed,
    double RatePerHour,
    double BaselinePerHour,
    double FleetPerHour,
    double LowShare,
    double OodShare,
    double DupShare,
    bool QuotaCut,
    DateTimeOffset EvaluatedAt,
    DateTimeOffset? FlaggedAt,
    DateTimeOffset? ClearedAt,
    string Note)
{
    public bool Flagged => State == SuspectStates.Flagged;
}
