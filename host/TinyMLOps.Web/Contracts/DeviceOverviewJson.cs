namespace TinyMLOps.Web.Contracts;

/// <summary>
/// GET /devices/{id}: what `device show --output json` gives (<see cref="Detail"/>) plus the device's meter, drift
/// and rollout summaries; the routes under it give each in full.
/// </summary>
public sealed record DeviceOverviewJson(
    DeviceDetailJson Detail,
    DeviceOverviewJson.MeterSummary Meter,
    DeviceOverviewJson.DriftSummary? Drift,
    IReadOnlyList<DeviceEventJson> Rollouts)
{
    /// <summary>The device's receipt ledger and extraction verdict (null state when never evaluated).</summary>
    public sealed record MeterSummary(long Receipts, bool Flagged, string FlagReason, int Findings, int SeriousFindings, string? SuspectState);

    /// <summary>The device's drift: its cohort, how many windows, the latest window's score and the open alert; null when it sent no windows.</summary>
    public sealed record DriftSummary(DriftJson.Key Cohort, bool HasProfile, int Windows, DriftJson.Score? Latest, DriftJson.Alert? Alert);
}
