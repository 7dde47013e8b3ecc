using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>The fleet's telemetry per board and variant against the cost model, as `fleet telemetry` gives it.</summary>
public static class TelemetryEndpoints
{
    public static void Map(RouteGroupBuilder telemetry) =>
        telemetry.MapGet("/", ListAsync).WithSummary("Inferences, latency, RAM, free heap and energy per board and variant, with the cost model's estimates and ratios");

    private static async Task<Page<TelemetryJson>> ListAsync(
        IFleetStore store, IOptions<SyncOptions> options, string? fleet, string? board, string? variant, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var (_, rows) = await TelemetryQueries.RowsAsync(
            store, new VariantTelemetryQuery { Fleet = fleet, Board = board, VariantId = variant }, TelemetryQueries.Summaries(options.Value.VariantRegistryPath, []), null, cancellationToken).ConfigureAwait(false);
        return Paging.Of(rows, limit, cursor, r => TelemetryJson.Of(r));
    }
}
