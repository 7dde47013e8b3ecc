using TinyMLOps.Fleet.Webhooks;

namespace TinyMLOps.Fleet.Drift;

/// <summary>The drift.alert webhook event of a device's open alert (docs/observability.md, "Webhooks", has the schema). Its key names the state change, so publishing it again records nothing.</summary>
public static class DriftAlertEvent
{
    /// <summary>A device's drift alert opened: keyed by device, variant and the first window of the drifted run.</summary>
    public static FleetEvent Of(DriftAlert alert, CohortKey cohort, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(cohort);
        return new FleetEvent(
            FleetEventTypes.DriftAlert,
            $"{FleetEventTypes.DriftAlert}:{alert.Subject}:{alert.VariantId}:{alert.SinceSequence}",
            at,
            new
            {
                deviceId = alert.Subject,
                cohort = new { fleet = cohort.Fleet, board = cohort.Board, variantId = cohort.VariantId, firmwareVersion = cohort.FirmwareVersion },
                since = alert.Since.ToUniversalTime(),
                sinceSequence = alert.SinceSequence,
                windows = alert.Windows,
                features = alert.Features.Select(f => new { group = f.Group, psi = f.Psi, excess = f.Excess }),
                classPsi = alert.ClassPsi,
                classDrifted = alert.ClassDrifted,
                confidencePsi = alert.ConfidencePsi,
                confidenceDrifted = alert.ConfidenceDrifted,
                confidenceShift = alert.ConfidenceShift,
                summary = alert.Describe(),
            });
    }
}
