using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Hosting;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>Federated rounds: history, one round, a live stream of it, and (operators) start and cancel, with `round start`'s checks.</summary>
public static class RoundEndpoints
{
    /// <summary>How often the watch stream reads the round from the store.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);

    private static readonly JsonSerializerOptions Compact = ServeJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static void Map(RouteGroupBuilder rounds)
    {
        rounds.AddEndpointFilter(FleetApiProblems.StateConflicts);
        rounds.MapGet("/", ListAsync).WithSummary("Every round, newest first: accuracy before and after, participants, uplink bytes, outcome");
        rounds.MapGet("/{roundId}", GetAsync).Produces<RoundJson.Status>().ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One round: participants, bytes, accuracy per class, the gate's verdict and state");
        rounds.MapGet("/{roundId}/watch", WatchAsync)
            .WithSummary("Server-Sent Events: the round (as GET /rounds/{roundId}) each time it changes, until it finishes or the client leaves")
            .Produces<RoundJson.Status>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);
        rounds.MapPost("/", StartAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RoundJson>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Start a round on a registry variant (409 while another trains that role and cohort)");
        rounds.MapPost("/{roundId}/cancel", CancelAsync).RequireAuthorization(AccessPolicies.Operator)
            .Produces<RoundJson>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Stop a round; deltas that arrive later are ignored (409 when it has already finished)");
    }

    /// <summary>Why a round is cancelled, for the record.</summary>
    public sealed record CancelRequest(string? Reason);

    private static async Task<Page<RoundJson>> ListAsync(IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        Paging.Parse(limit, cursor);
        return Paging.Of(await RoundQueries.HistoryAsync(store, newestFirst: true, cancellationToken).ConfigureAwait(false), limit, cursor, RoundJson.Of);
    }

    private static async Task<IResult> GetAsync(string roundId, IFleetStore store, CancellationToken cancellationToken) =>
        await RoundQueries.StatusAsync(store, roundId, cancellationToken).ConfigureAwait(false) is { } status
            ? Results.Ok(RoundJson.Status.Of(status))
            : Problem.NotFound($"no round {roundId}");

    private static async Task<IResult> WatchAsync(string roundId, IFleetStore store, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (await RoundQueries.StatusAsync(store, roundId, cancellationToken).ConfigureAwait(false) is not { } first)
        {
            return Problem.NotFound($"no round {roundId}");
        }

        return TypedResults.ServerSentEvents(Changes(store, first, lifetime.ApplicationStopping, cancellationToken));
    }

    /// <summary>The round now and after each change (compared as its JSON, so new participants count too); ends when the round finishes, the client leaves or the host stops.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Changes(IFleetStore store, RoundStatus first, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
        string? last = null;
        RoundStatus? status = first;
        while (status != null)
        {
            string json = JsonSerializer.Serialize(RoundJson.Status.Of(status), Compact);
            if (json != last)
            {
                last = json;
                yield return new SseItem<string>(json, "round") { EventId = status.Round.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }

            if (RoundStates.IsFinished(status.Round.State))
            {
                yield break;
            }

            try
            {
                await Task.Delay(WatchInterval, both.Token).ConfigureAwait(false);
                status = await RoundQueries.StatusAsync(store, first.Round.RoundId, both.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private static async Task<IResult> StartAsync(RoundStart request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        RoundRecord r = await RoundQueries.StartAsync(store, registry, request, cancellationToken).ConfigureAwait(false);
        AuditMiddleware.Detail(context, $"round {r.RoundId}: {r.BaseVariantId} v{r.BaseVersion}, {r.Strategy}, fleet {r.Fleet ?? "*"}, board {r.Board ?? "*"}, deadline {r.Deadline:u}");
        return Results.Created($"{ApiEndpoints.Root}/rounds/{Uri.EscapeDataString(r.RoundId)}", RoundJson.Of(r));
    }

    private static async Task<IResult> CancelAsync(string roundId, CancelRequest? request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        if (FleetApiProblems.Registry(options) is not { } registry)
        {
            return FleetApiProblems.NoRegistry();
        }

        string reason = string.IsNullOrWhiteSpace(request?.Reason) ? "operator" : request.Reason;
        var change = await RoundQueries.CancelAsync(store, registry, roundId, reason, cancellationToken).ConfigureAwait(false);
        return await FleetApiProblems.AnswerAsync(context, change, $"round {roundId}", r => $"{r.State} ({r.Reason})", r => Task.FromResult<object>(RoundJson.Of(r))).ConfigureAwait(false);
    }
}
