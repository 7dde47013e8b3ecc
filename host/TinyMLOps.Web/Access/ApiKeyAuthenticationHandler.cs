using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Access;

/// <summary>
/// Authenticates a request by its API key (<c>Authorization: Bearer tml_…</c> or <c>X-Api-Key</c>), looked up in the
/// store on every request so that a revoked key stops working at once.
/// </summary>
public sealed class ApiKeyAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "ApiKey";

    public const string HeaderName = "X-Api-Key";

    // When each key's last use was written; one write a minute per key is enough to show it.
    private static readonly ConcurrentDictionary<string, DateTimeOffset> LastMarked = new(StringComparer.Ordinal);

    private readonly IFleetStore _store;

    public ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IFleetStore store)
        : base(options, logger, encoder)
    {
        _store = store;
    }

    /// <summary>The token a request presents, or null.</summary>
    public static string? PresentedToken(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header != null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        string? key = request.Headers[HeaderName];
        return string.IsNullOrWhiteSpace(key) ? null : key.Trim();
    }

    /// <summary>The principal of a verified key, or null (unknown, revoked, malformed or wrong secret).</summary>
    public static async Task<ClaimsPrincipal?> VerifyAsync(IFleetStore store, string? token, string scheme, CancellationToken cancellationToken)
    {
        if (!ApiKeys.TryParse(token, out string id, out string secret))
        {
            return null;
        }

        ApiKeyRecord? key = await store.GetApiKeyAsync(id, cancellationToken).ConfigureAwait(false);
        if (!ApiKeys.Verify(key, secret))
        {
            return null;
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (!LastMarked.TryGetValue(id, out DateTimeOffset last) || now - last > TimeSpan.FromMinutes(1))
        {
            LastMarked[id] = now;
            await store.MarkApiKeyUsedAsync(id, now, cancellationToken).ConfigureAwait(false);
        }

        return Principal(key!, scheme);
    }

    public static ClaimsPrincipal Principal(ApiKeyRecord key, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, key.KeyId),
                new Claim(ClaimTypes.Name, key.Name),
                new Claim(ClaimTypes.Role, key.Role),
            ],
            scheme));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = PresentedToken(Request);
        if (token == null)
        {
            return AuthenticateResult.NoResult();
        }

        ClaimsPrincipal? principal = await VerifyAsync(_store, token, SchemeName, Context.RequestAborted).ConfigureAwait(false);
        return principal == null
            ? AuthenticateResult.Fail("unknown, revoked or malformed API key")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
