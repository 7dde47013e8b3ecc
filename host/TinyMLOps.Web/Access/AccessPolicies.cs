using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using TinyMLOps.Fleet.Access;

namespace TinyMLOps.Web.Access;

/// <summary>One authorization policy per role; a role satisfies its own policy and every lower one.</summary>
public static class AccessPolicies
{
    public const string Viewer = "viewer";

    public const string Operator = "operator";

    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Viewer, p => p.RequireAssertion(c => Level(c.User) >= ApiRole.Viewer));
        options.AddPolicy(Operator, p => p.RequireAssertion(c => Level(c.User) >= ApiRole.Operator));
        options.AddPolicy(Admin, p => p.RequireAssertion(c => Level(c.User) >= ApiRole.Admin));
    }

    /// <summary>The caller's role, or 0 when it has none (anonymous).</summary>
    public static ApiRole Level(ClaimsPrincipal user)
    {
        string? role = user.FindFirstValue(ClaimTypes.Role);
        return role switch
        {
            "viewer" => ApiRole.Viewer,
            "operator" => ApiRole.Operator,
            "admin" => ApiRole.Admin,
            _ => 0,
        };
    }

    /// <summary>Who the caller is, as the audit log names it: "key NAME (ID)" or "anonymous".</summary>
    public static string Actor(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) is { } id ? $"{user.FindFirstValue(ClaimTypes.Name)} ({id})" : "anonymous";
}
