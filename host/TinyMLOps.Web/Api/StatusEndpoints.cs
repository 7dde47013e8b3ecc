using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>The fleet at a glance: the totals `status` prints, and this host's ingest counters.</summary>
public static class StatusEndpoints
{
    public static void Map(RouteGroupBuilder status) =>
        status.MapGet("/", GetAsync).Produces<StatusJson>().WithSummary("Fleet totals (devices online, messages, rejects, pending commands), recent rejects and the host's ingest counters");

    private static async Task<StatusJson> GetAsync(IFleetStore store, IOptions<SyncOptions> options, HostStatus host, CancellationToken cancellationToken)
    {
        StatusJson status = await StatusQuery.JsonAsync(store, StatusQuery.Describe(store, options.Value.SqlitePath), options.Value.OnlineWindow, cancellationToken).ConfigureAwait(false);
        return host.Sync?.Metrics is { } metrics ? status with { Host = StatusJson.HostCounters.Of(metrics) } : status;
    }
}
