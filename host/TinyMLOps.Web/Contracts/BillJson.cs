using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>`meter usage` and `meter bill` as `--output json` give them: the period, every line, the totals per customer and overall, and the flagged devices.</summary>
public sealed record BillJson(
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    string? Fleet,
    string? Customer,
    IReadOnlyList<BillLine> Lines,
    IReadOnlyList<BillJson.CustomerTotal> Customers,
    long Receipts,
    long Inferences,
    long GraceInferences,
    long HeldInferences,
    decimal Amount,
    IReadOnlyList<BillJson.Flag> Flagged)
{
    public static BillJson Of(Bill bill, IReadOnlyList<MeterDeviceState> devices) => new(
        bill.Period.Since, bill.Period.Until, bill.Period.Fleet, bill.Period.Customer, bill.Lines,
        [.. bill.Customers.Select(c => new CustomerTotal(c.Customer, c.Inferences, c.GraceInferences, c.HeldInferences, c.Amount))],
        bill.Lines.Sum(l => l.Receipts), bill.Inferences, bill.GraceInferences, bill.HeldInferences, bill.Amount,
        [.. devices.Where(d => d.Flagged).Select(d => new Flag(d.DeviceId, d.FlagReason))]);

    public sealed record CustomerTotal(string Customer, long Inferences, long GraceInferences, long HeldInferences, decimal Amount);

    public sealed record Flag(string DeviceId, string? Reason);
}
