using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Provisioning;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Api;

/// <summary>POST /devices (operator): provisions a device as `provision` does and answers with what its flash needs; nothing is written on the host.</summary>
public static class ProvisioningEndpoints
{
    public static void Map(RouteGroupBuilder devices) =>
        devices.MapPost("/", ProvisionAsync)
            .RequireAuthorization(AccessPolicies.Operator)
            .WithSummary("Provision a device: registers it with a new MQTT secret and returns its configuration file (base64) and secret, once")
            .Produces<ProvisionedDeviceJson>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>The body: `provision`'s options by their JSON names; the CA as PEM text.</summary>
    public sealed record ProvisionBody(
        string Board,
        string DeviceId,
        string Fleet,
        string BrokerHost,
        int? BrokerPort,
        bool Tls,
        string? CaPem,
        string? WifiSsid,
        string? WifiPassword,
        bool Force,
        int? HeartbeatSeconds,
        int? SleepSeconds,
        int? SyncWindowSeconds,
        string? Sensor,
        string? Consent,
        bool AllowPlainModels);

    private static async Task<IResult> ProvisionAsync(ProvisionBody body, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        DeviceKeys keys = DeviceKeys.FromConfiguration(options.Value.ArtifactMasterKey)
            ?? throw new ArgumentException($"provisioning derives the device's artifact key from the fleet master key, and serve has none ({DeviceKeys.ConfigurationKey})");
        var defaults = new ProvisionRequest("", "", "", "");
        var request = new ProvisionRequest(body.Board ?? "", body.DeviceId ?? "", body.Fleet ?? "", body.BrokerHost ?? "")
        {
            BrokerPort = body.BrokerPort ?? defaults.BrokerPort,
            Tls = body.Tls,
            CaPem = body.CaPem,
            WifiSsid = body.WifiSsid,
            WifiPassword = body.WifiPassword,
            Force = body.Force,
            HeartbeatSeconds = body.HeartbeatSeconds ?? defaults.HeartbeatSeconds,
            SleepSeconds = body.SleepSeconds ?? defaults.SleepSeconds,
            SyncWindowSeconds = body.SyncWindowSeconds ?? defaults.SyncWindowSeconds,
            Sensor = body.Sensor ?? defaults.Sensor,
            Consent = body.Consent ?? defaults.Consent,
            SealedOnly = !body.AllowPlainModels,
        };
        ProvisionBundle bundle;
        try
        {
            bundle = await new Provisioner(store, keys, BoardCatalog.Default).IssueAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            return Problem.Conflict(e.Message);
        }

        AuditMiddleware.Detail(context, $"{(bundle.Rotated ? "re-provisioned" : "provisioned")} {bundle.Config.DeviceId} ({bundle.Config.Board}) in fleet {bundle.Config.Fleet}");
        return Results.Created($"{ApiEndpoints.Root}/devices/{bundle.Config.DeviceId}", ProvisionedDeviceJson.Of(bundle));
    }
}
