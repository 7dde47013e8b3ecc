using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>`meter usage|bill` and the metering routes: verified usage priced per model, as the bill and its JSON.</summary>
public static class Bills
{
    public static async Task<(Bill Bill, BillJson Json)> ComputeAsync(IFleetStore store, PriceList prices, MeterUsageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        Bill bill = await Billing.ComputeAsync(store, prices, query, cancellationToken).ConfigureAwait(false);
        return (bill, BillJson.Of(bill, await store.MeterDevicesAsync(cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>The period of a usage or bill request (times as <see cref="Periods.Time"/> reads them); an ArgumentException when until is not after since.</summary>
    public static MeterUsageQuery Query(string? fleet, string? customer, string? since, string? until, DateTimeOffset now)
    {
        var query = new MeterUsageQuery(fleet, customer, Periods.Time(since, now), Periods.Time(until, now));
        return query.Since is { } s && query.Until is { } u && u <= s ? throw new ArgumentException("until must be after since") : query;
    }
}
