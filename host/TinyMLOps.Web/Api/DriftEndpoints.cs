using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>Drift against the registry's reference profiles: the fleet's cohorts and alerts, and one cohort with its evidence.</summary>
public static class DriftEndpoints
{
    public static void Map(RouteGroupBuilder drift)
    {
        drift.MapGet("/", ReportAsync)
            .WithSummary("Every cohort (fleet/board/variant/firmware) with its scores and alert, and the devices' open alerts, as `drift report --output json` gives it");
        drift.MapGet("/cohorts", CohortsAsync)
            .WithSummary("The cohorts of a fleet (every fleet without one) with their scores and alerts");
        drift.MapGet("/cohorts/{fleet}/{board}/{variant}/{firmware}", CohortAsync)
            .WithSummary("One cohort (* for any board or firmware) as `drift report --cohort` gives it, with the evidence its charts show")
            .Produces<DriftCohortJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static DriftAnalyzer Analyzer(IOptions<SyncOptions> options) => new(DriftQueries.Profiles(options.Value.VariantRegistryPath));

    private static async Task<DriftJson.Report> ReportAsync(IFleetStore store, IOptions<SyncOptions> options, string? fleet, CancellationToken cancellationToken)
    {
        DriftAnalyzer analyzer = Analyzer(options);
        var (devices, cohorts) = await DriftQueries.CohortsAsync(store, analyzer, fleet, null, cancellationToken).ConfigureAwait(false);
        return DriftJson.Of(cohorts, devices, analyzer.Options.MinCohortDevices);
    }

    private static async Task<Page<DriftJson.Cohort>> CohortsAsync(IFleetStore store, IOptions<SyncOptions> options, string? fleet, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        DriftJson.Report report = await ReportAsync(store, options, fleet, cancellationToken).ConfigureAwait(false);
        return Paging.Of(report.Cohorts, limit, cursor, c => c);
    }

    private static async Task<IResult> CohortAsync(
        string fleet, string board, string variant, string firmware, IFleetStore store, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        CohortKey key = DriftQueries.ParseCohort($"{fleet}/{board}/{variant}/{firmware}");
        DriftAnalyzer analyzer = Analyzer(options);
        var (devices, cohorts) = await DriftQueries.CohortsAsync(store, analyzer, null, key, cancellationToken).ConfigureAwait(false);
        if (devices.Count == 0)
        {
            return Problem.NotFound($"no drift windows in cohort {key}");
        }

        return Results.Ok(new DriftCohortJson(DriftJson.Of(cohorts, devices, analyzer.Options.MinCohortDevices), DriftQueries.Evidence(cohorts[0])));
    }
}
