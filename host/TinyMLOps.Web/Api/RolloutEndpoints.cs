using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>Staged rollouts: the list, one in detail, and (operators) start, pause, resume, abort and roll back, with the console verbs' checks.</summary>
public static class RolloutEndpoints
{
    public static void Map(RouteGroupBuilder rollouts)
    {
        rollouts.AddEndpointFilter(FleetApiProblems.StateConflicts);
        rollouts.MapGet("/", ListAsync).WithSummary("Rollouts, newest first, with stage, state and devices per state");
        rollouts.MapGet("/{rolloutId:long}", GetAsync).Produces<RolloutJson.Detail>().ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One rollout: stages, state, the new and previous variants' health, the verdict and every device");
        rollouts.MapPost("/", StartAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RolloutJson>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Start a staged rollout of a registry variant to one role of a cohort (409 while another holds that role and cohort)");
        rollouts.MapPost("/{rolloutId:long}/rollback", RollBackAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RolloutJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Roll a rollout back: its devices return to the variant they ran before (409 when it already is)");
        rollouts.MapPost("/{rolloutId:long}/pause", PauseAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RolloutJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Pause a rollout: no new devices, no stage advance, no health verdict until it resumes (rollback stays possible)");
        rollouts.MapPost("/{rolloutId:long}/resume", ResumeAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RolloutJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Resume a paused rollout where it stopped (the stage's soak starts again)");
        rollouts.MapPost("/{rolloutId:long}/abort", AbortAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RolloutJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Stop a rollout without rolling back: devices keep what they run");
    }

    /// <summary>Why a rollback was asked for, for the record.</summary>
    public sealed record RollbackRequest(string? Reason);

    private static async Task<Page<RolloutJson>> ListAsync(IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        Paging.Parse(limit, cursor);
        return Paging.Of(await RolloutQueries.ListAsync(store, cancellationToken).ConfigureAwait(false), limit, cursor, r => r);
    }

    private static async Task<IResult> GetAsync(long rolloutId, IFleetStore store, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        return await RolloutQueries.StatusAsync(store, registry, rolloutId, cancellationToken).ConfigureAwait(false) is { } status
            ? Results.Ok(RolloutJson.Detail.Of(status))
            : Problem.NotFound($"no rollout {rolloutId}");
    }

    private static async Task<IResult> StartAsync(RolloutStart request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        RolloutRecord r = await RolloutQueries.StartAsync(store, registry, request, cancellationToken).ConfigureAwait(false);
        AuditMiddleware.Detail(context, $"rollout {r.RolloutId}: {r.VariantId} v{r.Version} to the {VariantAssignment.RoleName(r.Role)} role of fleet {r.Fleet ?? "*"}, board {r.Board ?? "*"}, stages {r.Stages}");
        return Results.Created($"{ApiEndpoints.Root}/rollouts/{r.RolloutId.ToString(CultureInfo.InvariantCulture)}", RolloutJson.Of(r, []));
    }

    private static async Task<IResult> RollBackAsync(long rolloutId, RollbackRequest? request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        string reason = string.IsNullOrWhiteSpace(request?.Reason) ? "operator request" : request.Reason;
        var change = await RolloutQueries.RollBackAsync(store, registry, rolloutId, reason, cancellationToken).ConfigureAwait(false);
        return await FleetApiProblems.AnswerAsync(context, change, $"rollout {rolloutId}", r => $"{r.State} ({r.Reason})", r => DocumentAsync(store, r, cancellationToken)).ConfigureAwait(false);
    }

    private static Task<IResult> PauseAsync(long rolloutId, RollbackRequest? request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken) =>
        HoldAsync(options, context, store, rolloutId, (registry, reason) => RolloutQueries.PauseAsync(store, registry, rolloutId, reason, cancellationToken), request?.Reason, cancellationToken);

    private static Task<IResult> ResumeAsync(long rolloutId, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken) =>
        HoldAsync(options, context, store, rolloutId, (registry, _) => RolloutQueries.ResumeAsync(store, registry, rolloutId, cancellationToken), null, cancellationToken);

    private static Task<IResult> AbortAsync(long rolloutId, RollbackRequest? request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken) =>
        HoldAsync(options, context, store, rolloutId, (registry, reason) => RolloutQueries.AbortAsync(store, registry, rolloutId, reason, cancellationToken), request?.Reason, cancellationToken);

    private static async Task<IResult> HoldAsync(
        IOptions<SyncOptions> options, HttpContext context, IFleetStore store, long rolloutId, Func<TinyMLOps.Modelling.Variants.VariantRegistry, string, Task<Change<RolloutRecord>?>> act, string? reason, CancellationToken cancellationToken)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        var change = await act(registry, string.IsNullOrWhiteSpace(reason) ? "operator request" : reason).ConfigureAwait(false);
        return await FleetApiProblems.AnswerAsync(context, change, $"rollout {rolloutId}", r => $"{r.State} ({r.Reason})", r => DocumentAsync(store, r, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<object> DocumentAsync(IFleetStore store, RolloutRecord r, CancellationToken cancellationToken) =>
        RolloutJson.Of(r, await store.RolloutDevicesAsync(r.RolloutId, cancellationToken).ConfigureAwait(false));
}
