using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace TinyMLOps.Web.Site;

/// <summary>
/// The web console: Razor Pages under /, signed in by cookie (<see cref="ConsoleAuthentication"/>), with its CSS, script
/// and the vendored chart library served from the assembly itself.
/// </summary>
public static class ConsoleSite
{
    public static void AddServices(IServiceCollection services)
    {
        // Keys for the cookie and antiforgery tokens live in memory: a restart signs everyone out, nothing is written to disk.
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", ConsolePolicies.Viewer);
            o.Conventions.AllowAnonymousToPage("/Login");
            o.Conventions.AuthorizeFolder("/Admin", ConsolePolicies.Admin);
        });
        services.AddSingleton<RolloutControl>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "tinymlops.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
    }

    /// <summary>
    /// Headers that keep the pages to their own origin: scripts and styles only from this site (the chart data is a JSON
    /// data block, never run), no framing, forms post only here.
    /// </summary>
    public static void UseHeaders(IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            if (!context.Request.Path.StartsWithSegments(Api.ApiEndpoints.Root))
            {
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
            }

            return next(context);
        });

    /// <summary>Static assets (before authentication: they are public and need no session) from the embedded wwwroot.</summary>
    public static void UseAssets(IApplicationBuilder app) =>
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Assets,
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });

    public static void Map(WebApplication app)
    {
        app.MapRazorPages();
    }

    /// <summary>wwwroot as embedded in this assembly.</summary>
    public static IFileProvider Assets { get; } = new ManifestEmbeddedFileProvider(typeof(ConsoleSite).Assembly, "wwwroot");
}
