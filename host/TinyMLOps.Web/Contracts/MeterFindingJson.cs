using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>A finding of the usage ledger (a gap, a replay, a broken chain…) with its evidence.</summary>
public sealed record MeterFindingJson(
    long FindingId, string DeviceId, string Reason, bool Serious, long ReceiptSeq, long LastReceiptSeq, long MessageSeq, string Detail, DateTimeOffset At, DateTimeOffset? ResolvedAt)
{
    public static MeterFindingJson Of(MeterFindingRecord f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(f.FindingId, f.DeviceId, f.Reason, f.Serious, f.ReceiptSeq, f.LastReceiptSeq, f.MessageSeq, f.Detail, f.At, f.ResolvedAt);
    }
}
