using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>
/// Metered inference: usage, bills (JSON or CSV), the ledger's findings and the extraction suspects. A bill is one
/// document whose totals add up, so usage and bills are not paged; the other lists are.
/// </summary>
public static class MeteringEndpoints
{
    public const string CsvType = "text/csv";

    public static void Map(RouteGroupBuilder metering)
    {
        metering.MapGet("/usage", UsageAsync)
            .WithSummary("Verified inferences per customer, device and model over a period (since/until: a date, an ISO time or 7d/12h/30m ago), as `meter usage --output json`")
            .Produces<BillJson>().ProducesProblem(StatusCodes.Status400BadRequest);
        metering.MapGet("/bills", BillAsync)
            .WithSummary("The bill at a price per 1,000 inferences (price=MODEL=PRICE repeatable, defaultPrice) as JSON, or as CSV with Accept: text/csv or format=csv")
            .Produces<BillJson>().Produces<string>(StatusCodes.Status200OK, CsvType).ProducesProblem(StatusCodes.Status400BadRequest);
        metering.MapGet("/audit", FindingsAsync)
            .WithSummary("The usage ledger's findings (gaps, replays, broken chains…) with their evidence, newest first; device= for one device");
        metering.MapGet("/suspects", SuspectsAsync)
            .WithSummary("Model-extraction suspects (flagged and cleared; all=true for every evaluated device)");
        metering.MapPost("/suspects/{deviceId}/clear", ClearSuspectAsync)
            .RequireAuthorization(AccessPolicies.Operator)
            .WithSummary("Clear a device's extraction flag with a note: it can be granted quota again")
            .Produces<SuspectJson>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    public sealed record ClearBody(string? Note);

    private static async Task<BillJson> UsageAsync(IFleetStore store, string? fleet, string? customer, string? since, string? until, CancellationToken cancellationToken)
    {
        MeterUsageQuery query = Bills.Query(fleet, customer, since, until, DateTimeOffset.UtcNow);
        return (await Bills.ComputeAsync(store, PriceList.Standard, query, cancellationToken).ConfigureAwait(false)).Json;
    }

    private static async Task<IResult> BillAsync(
        HttpContext context, IFleetStore store, string? fleet, string? customer, string? since, string? until, string[]? price, decimal? defaultPrice, string? format, CancellationToken cancellationToken)
    {
        bool csv = format switch
        {
            null => context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(CsvType, StringComparison.OrdinalIgnoreCase)),
            "csv" => true,
            "json" => false,
            _ => throw new ArgumentException($"format is json or csv, not '{format}'"),
        };
        PriceList prices = PriceList.Parse(price ?? [], defaultPrice ?? PriceList.StandardPer1000);
        MeterUsageQuery query = Bills.Query(fleet, customer, since, until, DateTimeOffset.UtcNow);
        var (bill, json) = await Bills.ComputeAsync(store, prices, query, cancellationToken).ConfigureAwait(false);
        if (!csv)
        {
            return Results.Ok(json);
        }

        string name = $"bill-{customer ?? fleet ?? "all"}-{(query.Since ?? DateTimeOffset.UnixEpoch).ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{(query.Until ?? DateTimeOffset.UtcNow).ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.csv";
        return Results.File(Encoding.UTF8.GetBytes(Billing.ToCsv(bill)), CsvType, SafeFileName(name));
    }

    private static async Task<Page<MeterFindingJson>> FindingsAsync(IFleetStore store, string? device, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var findings = await store.MeterFindingsAsync(device, 100_000, cancellationToken).ConfigureAwait(false);
        return Paging.Of([.. findings.OrderByDescending(f => f.FindingId)], limit, cursor, MeterFindingJson.Of);
    }

    private static async Task<Page<SuspectJson>> SuspectsAsync(IFleetStore store, bool? all, int? limit, string? cursor, CancellationToken cancellationToken) =>
        Paging.Of(await Suspects.ListAsync(store, all == true, cancellationToken).ConfigureAwait(false), limit, cursor, s => s);

    private static async Task<IResult> ClearSuspectAsync(string deviceId, ClearBody? body, IFleetStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) == null)
        {
            return Problem.NoDevice(deviceId);
        }

        try
        {
            SuspectJson cleared = await Suspects.ClearAsync(store, deviceId, body?.Note, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            AuditMiddleware.Detail(context, $"cleared the extraction flag of {deviceId}: {body!.Note}");
            return Results.Ok(cleared);
        }
        catch (InvalidOperationException e)
        {
            return Problem.Conflict(e.Message);
        }
    }

    /// <summary>Customer and fleet names come from devices and operators: only letters, digits, dot, dash and underscore reach the header.</summary>
    private static string SafeFileName(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
}
