using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>A device's operations, as `device tag` and `device decommission`: change its tags (operator), take it out of service (admin).</summary>
public static class DeviceOperationEndpoints
{
    public static void Map(RouteGroupBuilder devices)
    {
        devices.MapMethods("/{deviceId}/tags", [HttpMethods.Put, HttpMethods.Post], TagAsync).RequireAuthorization(AccessPolicies.Operator).AddEndpointFilter(FleetApiProblems.StateConflicts)
            .Produces<DeviceTagsJson>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Add and remove a device's tags (removals first) and get its tags; a bad tag is a 400 naming it, more than 32 a 409");
        devices.MapPost("/{deviceId}/decommission", DecommissionAsync).RequireAuthorization(AccessPolicies.Admin)
            .Produces<DeviceOperations.Decommissioned>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Take a device out of service for good (a reason is required): its MQTT credential is revoked, it leaves unfinished rollouts and rounds and GET /devices without all=true (409 when it already is)");
    }

    public sealed record TagChange(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

    public sealed record DecommissionRequest(string? Reason);

    private static async Task<IResult> TagAsync(string deviceId, TagChange request, IFleetStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (await DeviceOperations.TagAsync(store, deviceId, request.Add ?? [], request.Remove ?? [], cancellationToken).ConfigureAwait(false) is not { } tags)
        {
            return Problem.NoDevice(deviceId);
        }

        AuditMiddleware.Detail(context, DeviceOperations.TagLine(deviceId, request.Add ?? [], request.Remove ?? [], tags));
        return Results.Ok(new DeviceTagsJson(deviceId, tags));
    }

    private static async Task<IResult> DecommissionAsync(string deviceId, DecommissionRequest? request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        var change = await DeviceOperations.DecommissionAsync(store, deviceId, request?.Reason, cancellationToken).ConfigureAwait(false);
        if (change == null)
        {
            return Problem.NoDevice(deviceId);
        }

        var d = change.Record.Device;
        if (!change.Changed)
        {
            return Problem.Conflict($"{deviceId} was already decommissioned on {d.DecommissionedAt:u} ({d.DecommissionReason})");
        }

        AuditMiddleware.Detail(context, DeviceOperations.DecommissionLine(change.Record));
        return Results.Ok(DeviceOperations.Decommissioned.Of(change.Record, DateTimeOffset.UtcNow, options.Value.OnlineWindow));
    }
}
