namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>The device's current consent per category (ingested from its hellos), by category; empty before a hello with a consent section.</summary>
    Task<IReadOnlyList<DeviceConsentRecord>> ConsentAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>The current consent of every device (of a fleet when given), by device then category.</summary>
    Task<IReadOnlyList<DeviceConsentRecord>> FleetConsentAsync(string? fleet = null, CancellationToken cancellationToken = default);

    /// <summary>The device's consent changes in the order they were recorded.</summary>
    Task<IReadOnlyList<ConsentChangeRecord>> ConsentChangesAsync(string deviceId, CancellationToken cancellationToken = default);
}
