using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TinyMLOps.Web.Access;

namespace TinyMLOps.Web.Api;

/// <summary>The REST API under <see cref="Root"/>: every route needs a key; reads need viewer, fleet writes operator, access admin.</summary>
public static class ApiEndpoints
{
    public const string Root = "/api/v1";

    public static void Map(IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder api = routes.MapGroup(Root).RequireAuthorization(AccessPolicies.Viewer);
        api.AddEndpointFilter(BadRequests);
        api.MapGet("/me", (System.Security.Claims.ClaimsPrincipal user) => Results.Ok(new WhoAmI(AccessPolicies.Actor(user), AccessPolicies.Level(user).ToString().ToLowerInvariant())))
            .WithSummary("The caller's key and role");
        RouteGroupBuilder devices = api.MapGroup("/devices").WithTags("devices");
        DeviceEndpoints.Map(devices);
        ProvisioningEndpoints.Map(devices);
        DeviceOperationEndpoints.Map(devices);
        TelemetryEndpoints.Map(api.MapGroup("/telemetry").WithTags("devices"));
        DriftEndpoints.Map(api.MapGroup("/drift").WithTags("drift"));
        MeteringEndpoints.Map(api.MapGroup("/metering").WithTags("metering"));
        QuotaEndpoints.Map(api.MapGroup("/quotas").WithTags("metering"));
        KeyEndpoints.Map(api.MapGroup("/keys").WithTags("access").RequireAuthorization(AccessPolicies.Admin));
        WebhookEndpoints.Map(api.MapGroup("/webhooks").WithTags("webhooks").RequireAuthorization(AccessPolicies.Admin));
        AuditEndpoints.Map(api.MapGroup("/audit").WithTags("access").RequireAuthorization(AccessPolicies.Admin));
        StatusEndpoints.Map(api.MapGroup("/status").WithTags("fleet"));
        VariantEndpoints.Map(api.MapGroup("/variants").WithTags("variants"));
        RolloutEndpoints.Map(api.MapGroup("/rollouts").WithTags("rollouts"));
        RoundEndpoints.Map(api.MapGroup("/rounds").WithTags("rounds"));
    }

    /// <summary>Bad input to a handler (an ArgumentException) is a 400 problem with its one line, never a 500.</summary>
    private static async ValueTask<object?> BadRequests(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return Results.Problem(detail: e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }
    }

    public sealed record WhoAmI(string Actor, string Role);
}
