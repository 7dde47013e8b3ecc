using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Access;

/// <summary>
/// Records every write (any method but GET, HEAD and OPTIONS) to the API and the console in the audit log once it has
/// been answered: who, with which role, what, on what, and the status, refused attempts included. A handler may add a
/// detail with <see cref="Detail"/>.
/// </summary>
public sealed class AuditMiddleware
{
    private const string DetailKey = "tinymlops.audit.detail";

    private readonly RequestDelegate _next;
    private readonly IFleetStore _store;
    private readonly ILogger<AuditMiddleware> _log;

    public AuditMiddleware(RequestDelegate next, IFleetStore store, ILogger<AuditMiddleware> log)
    {
        _next = next;
        _store = store;
        _log = log;
    }

    /// <summary>Adds a line to this request's audit entry (what was created, the new state…).</summary>
    public static void Detail(HttpContext context, string detail) => context.Items[DetailKey] = detail;

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            string action = context.Request.Method + " " + ((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "/");
            var entry = new AuditRecord(
                0,
                DateTimeOffset.UtcNow,
                AccessPolicies.Actor(context.User),
                AccessPolicies.Level(context.User) is var level and > 0 ? level.ToString().ToLowerInvariant() : "none",
                action,
                Truncate(context.Request.Path.Value ?? "/", 512),
                context.Response.StatusCode,
                Truncate(context.Items[DetailKey] as string ?? string.Empty, 1024),
                context.Connection.RemoteIpAddress?.ToString());
            try
            {
                await _store.AppendAuditAsync(entry, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The write has happened; losing its audit line must be loud, not fatal to the answer.
                _log.LogError(e, "Could not record audit entry {Action} by {Actor}", entry.Action, entry.Actor);
            }
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
