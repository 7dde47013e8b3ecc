using Microsoft.AspNetCore.Authorization;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Web.Access;

namespace TinyMLOps.Web.Site;

/// <summary>The console's role policies: the API's roles, read from the console's cookie instead of a key header.</summary>
public static class ConsolePolicies
{
    public const string Viewer = "console-viewer";

    public const string Operator = "console-operator";

    public const string Admin = "console-admin";

    public static void Add(AuthorizationOptions options)
    {
        Add(options, Viewer, ApiRole.Viewer);
        Add(options, Operator, ApiRole.Operator);
        Add(options, Admin, ApiRole.Admin);
    }

    private static void Add(AuthorizationOptions options, string name, ApiRole role) =>
        options.AddPolicy(name, p => p.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser().RequireAssertion(c => AccessPolicies.Level(c.User) >= role));
}
