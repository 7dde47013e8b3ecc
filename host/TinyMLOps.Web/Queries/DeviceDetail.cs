using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>What `device show` and GET /devices/{id} read of one device: its record, recent uplink, pending commands, consent, stale images and telemetry.</summary>
public sealed record DeviceDetail(
    DeviceRecord Device,
    IReadOnlyList<StoredMessage> Recent,
    IReadOnlyList<CommandRecord> Pending,
    IReadOnlyList<DeviceConsentRecord> Consent,
    IReadOnlyList<StaleImageFinding> Stale,
    IReadOnlyList<VariantTelemetryRecord> Telemetry)
{
    /// <summary>The device's detail, or null when the registry does not know it.</summary>
    public static async Task<DeviceDetail?> LoadAsync(IFleetStore store, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) is not { } device)
        {
            return null;
        }

        return new DeviceDetail(
            device,
            await store.MessagesAsync(deviceId, null, 1000, cancellationToken).ConfigureAwait(false),
            await store.PendingCommandsAsync(deviceId, cancellationToken).ConfigureAwait(false),
            await store.ConsentAsync(deviceId, cancellationToken).ConfigureAwait(false),
            await StaleImageCheck.CheckAsync(store, deviceId, cancellationToken).ConfigureAwait(false),
            await store.VariantTelemetryAsync(new VariantTelemetryQuery { DeviceId = deviceId }, cancellationToken).ConfigureAwait(false));
    }

    public DeviceDetailJson ToJson(DateTimeOffset now, TimeSpan onlineWindow) =>
        DeviceDetailJson.Of(Device, Recent, Pending, Consent, Stale, Telemetry, now, onlineWindow);
}
