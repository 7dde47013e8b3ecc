namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>
    /// The newest operational telemetry per device and variant (from the heartbeats' telemetry section, applied at
    /// ingest), with the device's fleet and board, by board, variant and device.
    /// </summary>
    Task<IReadOnlyList<VariantTelemetryRecord>> VariantTelemetryAsync(VariantTelemetryQuery query, CancellationToken cancellationToken = default);
}
