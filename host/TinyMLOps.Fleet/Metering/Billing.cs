using System.Globalization;
using System.Text;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Metering;

/// <summary>
/// One line of a bill: a customer's device and model over the period. <see cref="Inferences"/> are the verified,
/// billable ones (grace included: <see cref="GraceInferences"/> of them ran beyond a token's allowance and are
/// shown apart); <see cref="HeldInferences"/> are verified but held because the device is flagged, and are not charged.
/// </summary>
public sealed record BillLine(
    string Customer,
    string Fleet,
    string DeviceId,
    string ModelId,
    long Receipts,
    long Inferences,
    long GraceInferences,
    long HeldInferences,
    decimal PricePer1000,
    decimal Amount);

/// <summary>A bill over a period, lines ordered by customer, device and model.</summary>
public sealed record Bill(MeterUsageQuery Period, PriceList Prices, IReadOnlyList<BillLine> Lines)
{
    public long Inferences => Lines.Sum(l => l.Inferences);

    public long GraceInferences => Lines.Sum(l => l.GraceInferences);

    public long HeldInferences => Lines.Sum(l => l.HeldInferences);

    public decimal Amount => Lines.Sum(l => l.Amount);

    /// <summary>Totals per customer.</summary>
    public IReadOnlyList<(string Customer, long Inferences, long GraceInferences, long HeldInferences, decimal Amount)> Customers =>
        [.. Lines.GroupBy(l => l.Customer, StringComparer.Ordinal).Select(g => (g.Key, g.Sum(l => l.Inferences), g.Sum(l => l.GraceInferences), g.Sum(l => l.HeldInferences), g.Sum(l => l.Amount)))];
}

/// <summary>Billing from the ledger: verified inferences per customer, device and model, priced per 1,000.</summary>
public static class Billing
{
    public const string CsvHeader = "customer,fleet,device,model,receipts,inferences,grace_inferences,held_inferences,price_per_1000,amount";

    public static async Task<Bill> ComputeAsync(IFleetStore store, PriceList prices, MeterUsageQuery period, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = await store.MeterUsageAsync(period, cancellationToken).ConfigureAwait(false);
        return Price(rows, prices, period);
    }

    /// <summary>Prices usage rows: accepted inferences are charged, untrusted ones are shown as held.</summary>
    public static Bill Price(IReadOnlyList<MeterUsageRow> rows, PriceList prices, MeterUsageQuery period)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(prices);
        var lines = rows
            .GroupBy(r => (r.Customer, r.Fleet, r.DeviceId, r.ModelId))
            .Select(g =>
            {
                var accepted = g.Where(r => r.Status == MeterStatus.Accepted).ToList();
                long inferences = accepted.Sum(r => r.Inferences);
                decimal price = prices.For(g.Key.ModelId);
                return new BillLine(
                    g.Key.Customer,
                    g.Key.Fleet,
                    g.Key.DeviceId,
                    g.Key.ModelId,
                    accepted.Sum(r => r.Receipts),
                    inferences,
                    accepted.Sum(r => r.GraceInferences),
                    g.Where(r => r.Status == MeterStatus.Untrusted).Sum(r => r.Inferences),
                    price,
                    Amount(inferences, price));
            })
            .OrderBy(l => l.Customer, StringComparer.Ordinal)
            .ThenBy(l => l.DeviceId, StringComparer.Ordinal)
            .ThenBy(l => l.ModelId, StringComparer.Ordinal)
            .ToList();
        return new Bill(period, prices, lines);
    }

    /// <summary>inferences × price / 1,000, rounded to cents (half away from zero) per line.</summary>
    public static decimal Amount(long inferences, decimal pricePer1000) =>
        Math.Round(inferences * pricePer1000 / 1000m, 2, MidpointRounding.AwayFromZero);

    /// <summary>The bill as CSV (RFC 4180 quoting, invariant numbers), one line per customer, device and model.</summary>
    public static string ToCsv(Bill bill)
    {
        ArgumentNullException.ThrowIfNull(bill);
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (BillLine l in bill.Lines)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Csv(l.Customer)},{Csv(l.Fleet)},{Csv(l.DeviceId)},{Csv(l.ModelId)},{l.Receipts},{l.Inferences},{l.GraceInferences},{l.HeldInferences},{l.PricePer1000},{l.Amount:0.00}\n");
        }

        return sb.ToString();
    }

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
