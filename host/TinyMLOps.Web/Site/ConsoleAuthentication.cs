using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;

namespace TinyMLOps.Web.Site;

/// <summary>
/// The console's sign-in: an API key typed once at /login becomes an HttpOnly, SameSite=Strict cookie holding the key's
/// id and role; every request checks the key again, so revoking it signs its sessions out. The API never reads this cookie.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = "Console";

    public const string CookieName = "tinymlops.console";

    public static void Add(AuthenticationBuilder builder) =>
        builder.AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/login";
            o.LogoutPath = "/logout";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = ValidateAsync;
            // A signed-in user without the role gets a plain 403, not a redirect loop.
            o.Events.OnRedirectToAccessDenied = c =>
            {
                c.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

    /// <summary>Signs the key's holder in (key id, name and role in the cookie; never the secret).</summary>
    public static Task SignInAsync(HttpContext context, ClaimsPrincipal keyPrincipal) =>
        context.SignInAsync(Scheme, new ClaimsPrincipal(new ClaimsIdentity(keyPrincipal.Claims, Scheme)), new AuthenticationProperties { IsPersistent = false });

    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(Scheme);

    /// <summary>The key behind the cookie must still exist and not be revoked; its role is read again from the store.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        string? keyId = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        IFleetStore store = context.HttpContext.RequestServices.GetRequiredService<IFleetStore>();
        ApiKeyRecord? key = keyId == null ? null : await store.GetApiKeyAsync(keyId, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (key == null || key.RevokedAt != null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme).ConfigureAwait(false);
            return;
        }

        if (context.Principal!.FindFirstValue(ClaimTypes.Role) != key.Role)
        {
            context.ReplacePrincipal(ApiKeyAuthenticationHandler.Principal(key, Scheme));
            context.ShouldRenew = true;
        }
    }
}
