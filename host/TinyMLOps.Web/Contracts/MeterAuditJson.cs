using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>A device's receipt ledger as `meter audit` shows it: its chain state, models, one page of receipts (newest first) and its findings.</summary>
public sealed record MeterAuditJson(
    string DeviceId,
    long NextReceipt,
    string HeadHash,
    bool Flagged,
    string FlagReason,
    DateTimeOffset? FlaggedAt,
    DateTimeOffset? ClearedAt,
    string ClearNote,
    IReadOnlyDictionary<string, int> ReceiptsByStatus,
    IReadOnlyList<MeterAuditJson.Model> Models,
    IReadOnlyList<MeterAuditJson.Receipt> Receipts,
    string? NextReceipts,
    IReadOnlyList<MeterFindingJson> Findings)
{
    public static MeterAuditJson Of(LedgerAudit audit, IReadOnlyList<Receipt> receipts, string? next)
    {
        ArgumentNullException.ThrowIfNull(audit);
        MeterDeviceState s = audit.State;
        return new(
            s.DeviceId, s.NextSeq, Convert.ToHexStringLower(s.HeadHash), s.Flagged, s.FlagReason, s.FlaggedAt, s.ClearedAt, s.ClearNote,
            audit.Receipts.GroupBy(r => r.Status, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            [.. audit.Models.Select(m => new Model(m.ModelId, m.ClaimedLimit, m.LastFirst < 0 ? null : m.LastFirst, m.LastWindowStart == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(m.LastWindowStart), m.LastBoot < 0 ? null : m.LastBoot))],
            receipts,
            next,
            [.. audit.Findings.OrderBy(f => f.FindingId).Select(MeterFindingJson.Of)]);
    }

    /// <summary>The device's receipts newest first, as the audit's table orders them (receipt, then message sequence).</summary>
    public static IReadOnlyList<MeterReceiptRecord> Newest(LedgerAudit audit) =>
        [.. audit.Receipts.OrderByDescending(r => r.ReceiptSeq).ThenByDescending(r => r.MessageSeq)];

    public sealed record Model(string ModelId, long ClaimedLimit, long? LastBilledRangeStart, DateTimeOffset? LastWindowStart, long? LastBoot);

    /// <summary>One receipt: its chain position (null when it did not decode), range [first, limit), window on the device's clock, status and reason.</summary>
    public sealed record Receipt(
        long? ReceiptSeq, long MessageSeq, string ModelId, string VariantId, long First, long Count, long GraceCount, DateTimeOffset? WindowStart,
        DateTimeOffset? WindowEnd, string Status, string? Reason, string Detail, bool InChain, DateTimeOffset ReceivedAt)
    {
        public static Receipt Of(MeterReceiptRecord r) => new(
            r.ReceiptSeq == 0 ? null : r.ReceiptSeq, r.MessageSeq, r.ModelId, r.VariantId, r.First, r.Count, r.GraceCount,
            r.WindowEnd == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(r.WindowStart), r.WindowEnd == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(r.WindowEnd),
            r.Status, r.Reason == nameof(ReceiptReason.None) ? null : r.Reason, r.Detail, r.InChain, r.ReceivedAt);
    }
}
