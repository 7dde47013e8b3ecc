using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages;

/// <summary>/login: an API key in, a session cookie out; a wrong key gets one line and a 401.</summary>
public sealed class LoginModel(IFleetStore store) : PageModel
{
    public string? Error { get; private set; }

    public string ReturnUrl { get; private set; } = "/";

    public void OnGet(string? returnUrl) => ReturnUrl = Local(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? key, string? returnUrl)
    {
        ReturnUrl = Local(returnUrl);
        var principal = await ApiKeyAuthenticationHandler.VerifyAsync(store, key?.Trim(), ConsoleAuthentication.Scheme, HttpContext.RequestAborted);
        if (principal == null)
        {
            Error = "That key is unknown, revoked or malformed.";
            AuditMiddleware.Detail(HttpContext, "console sign-in refused");
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await ConsoleAuthentication.SignInAsync(HttpContext, principal);
        // The audit line names the key that signed in (the request itself was anonymous).
        HttpContext.User = principal;
        AuditMiddleware.Detail(HttpContext, "console sign-in");
        return LocalRedirect(ReturnUrl);
    }

    // Only paths on this site: a crafted returnUrl must not send the user elsewhere.
    private string Local(string? url) => url != null && Url.IsLocalUrl(url) ? url : "/";
}
