using TinyMLOps.Fleet.Devices;
using TinyMLOps.Fleet.Provisioning;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>The device writes the API and the console share: tags through <see cref="DeviceDirectory"/>, decommissioning through <see cref="Decommissioner"/>.</summary>
public static class DeviceOperations
{
    /// <summary>The device's tags after the change, or null for no such device; ArgumentException names a bad tag.</summary>
    public static async Task<IReadOnlyList<string>?> TagAsync(IFleetStore store, string deviceId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) == null)
        {
            return null;
        }

        return await new DeviceDirectory(store).TagAsync(deviceId, add, remove, cancellationToken).ConfigureAwait(false);
    }

    public static string TagLine(string deviceId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, IReadOnlyList<string> tags) =>
        $"tags of {deviceId}: +[{string.Join(' ', add)}] -[{string.Join(' ', remove)}] now [{string.Join(' ', tags)}]";

    /// <summary>
    /// Decommissions a device; unchanged when it already was (nothing is written then); null for no such device;
    /// ArgumentException without a reason.
    /// </summary>
    public static async Task<Change<DecommissionResult>?> DecommissionAsync(IFleetStore store, string deviceId, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) is not { } device)
        {
            return null;
        }

        if (device.Decommissioned)
        {
            return new Change<DecommissionResult>(new DecommissionResult(device, [], [], true), false);
        }

        var result = await new Decommissioner(store).DecommissionAsync(deviceId, reason ?? string.Empty, cancellationToken).ConfigureAwait(false);
        return new Change<DecommissionResult>(result, !result.AlreadyDecommissioned);
    }

    public static string DecommissionLine(DecommissionResult r) =>
        $"decommissioned {r.Device.DeviceId} ({r.Device.DecommissionReason}); left {r.RolloutsLeft.Count} rollout(s) and {r.RoundsLeft.Count} round(s)";

    /// <summary>The answer to a decommission: the device as now stored, and the unfinished rollouts and rounds it left.</summary>
    public sealed record Decommissioned(DeviceJson Device, IReadOnlyList<long> RolloutsLeft, IReadOnlyList<string> RoundsLeft)
    {
        public static Decommissioned Of(DecommissionResult r, DateTimeOffset now, TimeSpan onlineWindow)
        {
            ArgumentNullException.ThrowIfNull(r);
            return new(DeviceJson.Of(r.Device, now, onlineWindow), r.RolloutsLeft, r.RoundsLeft);
        }
    }
}
