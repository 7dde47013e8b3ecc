using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages;

/// <summary>/logout (POST, with the antiforgery token): ends the session.</summary>
public sealed class LogoutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        AuditMiddleware.Detail(HttpContext, "console sign-out");
        await ConsoleAuthentication.SignOutAsync(HttpContext);
        return Redirect("/login?signedOut=1");
    }
}
