using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>Prepaid quota tokens: the issued ones with the devices' answers, and granting one (operator), as `quota ls|grant` do.</summary>
public static class QuotaEndpoints
{
    public static void Map(RouteGroupBuilder quotas)
    {
        quotas.MapGet("/", ListAsync).WithSummary("Issued quota tokens and the devices' answers (queued, sent, accepted, refused); device= for one device");
        quotas.MapPost("/", GrantAsync)
            .RequireAuthorization(AccessPolicies.Operator)
            .WithSummary("Grant a quota token: signed with the device's key, queued and sent when the device is online")
            .Produces<QuotaTokenJson>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>`quota grant`'s options: expiresIn as 7d/12h/30m (default 7d), policy refuse (default), fallback or grace.</summary>
    public sealed record GrantBody(string DeviceId, string ModelId, ulong Allowance, string? ExpiresIn, string? Policy, uint Grace);

    private static async Task<Page<QuotaTokenJson>> ListAsync(IFleetStore store, string? device, int? limit, string? cursor, CancellationToken cancellationToken) =>
        Paging.Of(await store.QuotaTokensAsync(device, cancellationToken).ConfigureAwait(false), limit, cursor, QuotaTokenJson.Of);

    private static async Task<IResult> GrantAsync(GrantBody body, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        var request = QuotaGrants.Request(body.DeviceId ?? "", body.ModelId ?? "", body.Allowance, body.ExpiresIn ?? "7d", body.Policy ?? "refuse", body.Grace);
        if (await store.GetDeviceAsync(request.DeviceId, cancellationToken).ConfigureAwait(false) == null)
        {
            return Problem.NoDevice(request.DeviceId);
        }

        DeviceKeys keys = QuotaGrants.Keys(options.Value.ArtifactMasterKey, $"serve has no fleet master key ({DeviceKeys.ConfigurationKey})");
        try
        {
            QuotaTokenJson token = await QuotaGrants.GrantAsync(store, keys, request, cancellationToken).ConfigureAwait(false);
            AuditMiddleware.Detail(context, $"granted token {token.TokenId} to {token.DeviceId}: {token.Allowance} inferences of {token.ModelId} until {token.ExpiresAt:u}, then {token.Policy}");
            return Results.Created($"{ApiEndpoints.Root}/quotas?device={Uri.EscapeDataString(token.DeviceId)}", token);
        }
        catch (InvalidOperationException e)
        {
            return Problem.Conflict(e.Message);
        }
    }
}
