using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>The problem documents of the variant, rollout and round routes: unknown ids, state conflicts, and a host without a registry.</summary>
public static class FleetApiProblems
{
    public static IResult NoRegistry() => Problem.NotFound("this host has no variant registry (TinyMLOps:VariantRegistryPath, serve --registry)");

    /// <summary>
    /// The answer to an operator's write on one record (<paramref name="what"/>, e.g. "rollout 3"): 404 when there is
    /// no such record, 409 when it already was in the state asked for, otherwise its audit line and 200 with the document.
    /// </summary>
    public static async Task<IResult> AnswerAsync<T>(HttpContext context, Change<T>? change, string what, Func<T, string> state, Func<T, Task<object>> document)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(document);
        if (change == null)
        {
            return Problem.NotFound($"no {what}");
        }

        if (!change.Changed)
        {
            return Problem.Conflict($"{what} is already {state(change.Record)}");
        }

        AuditMiddleware.Detail(context, $"{what}: {state(change.Record)}");
        return Results.Ok(await document(change.Record).ConfigureAwait(false));
    }

    /// <summary>The registry the host serves from, read afresh (the console may have added variants), or null without one.</summary>
    public static VariantRegistry? Registry(IOptions<SyncOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Value.VariantRegistryPath is { Length: > 0 } path && Directory.Exists(path) ? VariantRegistry.Open(path) : null;
    }

    /// <summary>
    /// A write the fleet refuses for the state it is in (another rollout holds the cohort, a round id is taken) is a
    /// 409 with its one line; ArgumentException stays the group's 400.
    /// </summary>
    public static async ValueTask<object?> StateConflicts(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            return Problem.Conflict(e.Message);
        }
    }
}
