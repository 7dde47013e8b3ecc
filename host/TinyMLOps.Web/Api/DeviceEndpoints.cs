using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Api;

/// <summary>Devices: the list with its filters, and one device.</summary>
public static class DeviceEndpoints
{
    public static void Map(RouteGroupBuilder devices)
    {
        devices.MapGet("/", ListAsync).WithSummary("Devices by id, filtered by fleet, board and online state");
        devices.MapGet("/{deviceId}", GetAsync).WithSummary("One device");
    }

    private static async Task<Page<DeviceJson>> ListAsync(
        IFleetStore store, IOptions<SyncOptions> options, string? fleet, string? board, bool? online, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        TimeSpan window = options.Value.OnlineWindow;
        IReadOnlyList<DeviceRecord> all = await store.ListDevicesAsync(fleet, cancellationToken).ConfigureAwait(false);
        var selected = all
            .Where(d => board == null || string.Equals(d.Board, board, StringComparison.Ordinal))
            .Where(d => online == null || d.IsOnline(now, window) == online)
            .ToList();
        return Paging.Of(selected, limit, cursor, d => DeviceJson.Of(d, now, window));
    }

    private static async Task<IResult> GetAsync(string deviceId, IFleetStore store, IOptions<SyncOptions> options, CancellationToken cancellationToken) =>
        await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) is { } device
            ? Results.Ok(DeviceJson.Of(device, DateTimeOffset.UtcNow, options.Value.OnlineWindow))
            : Results.Problem(detail: $"no device {deviceId}", statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
