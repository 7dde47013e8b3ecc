using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;

namespace TinyMLOps.Web.Api;

/// <summary>API keys (admin): list, create (the token is in the answer, once), revoke.</summary>
public static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder keys)
    {
        keys.MapGet("/", ListAsync).WithSummary("Every API key, revoked ones too (never a secret)");
        keys.MapPost("/", CreateAsync).WithSummary("Create a key; its token is shown once");
        keys.MapDelete("/{keyId}", RevokeAsync).WithSummary("Revoke a key at once");
    }

    public sealed record KeyJson(string KeyId, string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt, string? RevokedBy, DateTimeOffset? LastUsedAt)
    {
        public static KeyJson Of(ApiKeyRecord k) => new(k.KeyId, k.Name, k.Role, k.CreatedAt, k.CreatedBy, k.RevokedAt, k.RevokedBy, k.LastUsedAt);
    }

    public sealed record CreateKey(string Name, string Role);

    public sealed record CreatedKey(KeyJson Key, string Token);

    private static async Task<Page<KeyJson>> ListAsync(IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken) =>
        Paging.Of(await store.ListApiKeysAsync(cancellationToken).ConfigureAwait(false), limit, cursor, KeyJson.Of);

    private static async Task<IResult> CreateAsync(CreateKey request, IFleetStore store, ClaimsPrincipal user, HttpContext context, CancellationToken cancellationToken)
    {
        ApiRole role = ApiKeys.ParseRole(request.Role);
        (ApiKeyRecord record, string token) = ApiKeys.Create(request.Name ?? string.Empty, role, AccessPolicies.Actor(user), DateTimeOffset.UtcNow);
        if (!await store.CreateApiKeyAsync(record, cancellationToken).ConfigureAwait(false))
        {
            return Results.Problem(detail: "key id collision; try again", statusCode: StatusCodes.Status409Conflict);
        }

        AuditMiddleware.Detail(context, $"created key {record.Name} ({record.KeyId}) as {record.Role}");
        return Results.Created($"{ApiEndpoints.Root}/keys/{record.KeyId}", new CreatedKey(KeyJson.Of(record), token));
    }

    private static async Task<IResult> RevokeAsync(string keyId, IFleetStore store, ClaimsPrincipal user, HttpContext context, CancellationToken cancellationToken)
    {
        if (!await store.RevokeApiKeyAsync(keyId, AccessPolicies.Actor(user), DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false))
        {
            return Results.Problem(detail: $"no active key {keyId}", statusCode: StatusCodes.Status404NotFound);
        }

        AuditMiddleware.Detail(context, $"revoked key {keyId}");
        return Results.NoContent();
    }
}
