using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>The variant registry (what `variant ls` and `variant show` print) and which device runs which variant.</summary>
public static class VariantEndpoints
{
    public static void Map(RouteGroupBuilder variants)
    {
        variants.MapGet("/", List).Produces<Page<VariantJson>>().ProducesProblem(StatusCodes.Status404NotFound).WithSummary("The newest version of each variant, cheapest first, with its accuracy, size and cost on every board");
        variants.MapGet("/fleet", FleetAsync).WithSummary("Which device runs which variant: plugged and battery variants, the serving role, the rollout holding it");
        variants.MapGet("/{variantId}", Get).Produces<VariantDetailJson>().ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One variant: every version, and which boards would select it");
    }

    private static IResult List(IOptions<SyncOptions> options, int? limit, string? cursor) =>
        FleetApiProblems.Registry(options) is { } registry
            ? Results.Ok(Paging.Of(VariantQueries.List(registry, BoardCatalog.Default.Boards, new SelectionPolicy()), limit, cursor, v => v))
            : FleetApiProblems.NoRegistry();

    private static IResult Get(string variantId, IOptions<SyncOptions> options)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        return VariantQueries.Get(registry, variantId, BoardCatalog.Default.Boards, new SelectionPolicy()) is { } detail
            ? Results.Ok(detail)
            : Problem.NotFound($"no variant {variantId} in the registry");
    }

    private static async Task<Page<VariantFleetJson>> FleetAsync(IFleetStore store, string? fleet, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        Paging.Parse(limit, cursor); // bad paging is a 400 before the store is read
        return Paging.Of(await VariantQueries.FleetAsync(store, fleet, cancellationToken).ConfigureAwait(false), limit, cursor, d => d);
    }
}
