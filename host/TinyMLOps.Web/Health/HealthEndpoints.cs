using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Health;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness). <c>/readyz</c>: the store answers with the schema this host needs
/// and the host holds its MQTT session (readiness): 200 when all hold, 503 with which one does not.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => Results.Text("ok\n")).ExcludeFromDescription();
        routes.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
    }

    private static async Task<IResult> ReadyAsync(IFleetStore store, HostStatus status, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        bool ready = true;
        try
        {
            int version = await store.SchemaVersionAsync(cancellationToken).ConfigureAwait(false);
            bool current = version == StoreMigrations.LatestVersion;
            checks["store"] = "ok";
            checks["migrations"] = current ? $"ok (schema {version})" : $"schema {version}, this host needs {StoreMigrations.LatestVersion}";
            ready &= current;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checks["store"] = "unreachable: " + e.GetType().Name;
            checks["migrations"] = "unknown";
            ready = false;
        }

        bool connected = status.Sync?.IsConnected ?? false;
        checks["broker"] = connected ? "connected" : status.Failure is { } failure ? "host stopped: " + failure : "not connected";
        ready &= connected;
        return Results.Json(new { ready, checks }, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
