using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;

namespace TinyMLOps.Fleet.Metering.Extraction;

/// <summary>The metering.extraction_suspect webhook event (docs/observability.md, "Webhooks", has the schema). Its key names the state change, so publishing it again records nothing.</summary>
public static class ExtractionSuspectEvent
{
    /// <summary>A device was flagged as a model-extraction suspect: keyed by device and flag time (a flag cleared and raised again is a new event).</summary>
    public static FleetEvent Of(ExtractionSuspectRecord suspect, IReadOnlyList<string> tripped)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(tripped);
        var flaggedAt = (suspect.FlaggedAt ?? suspect.EvaluatedAt).ToUniversalTime();
        return new FleetEvent(
            FleetEventTypes.ExtractionSuspect,
            $"{FleetEventTypes.ExtractionSuspect}:{suspect.DeviceId}:{flaggedAt.ToUnixTimeMilliseconds()}",
            flaggedAt,
            new
            {
                deviceId = suspect.DeviceId,
                modelId = suspect.ModelId,
                score = suspect.Score,
                reasons = tripped,
                observed = suspect.Observed,
                ratePerHour = suspect.RatePerHour,
                baselinePerHour = suspect.BaselinePerHour,
                fleetPerHour = suspect.FleetPerHour,
                lowConfidenceShare = suspect.LowShare,
                outOfDistributionShare = suspect.OodShare,
                nearDuplicateShare = suspect.DupShare,
                quotaCut = suspect.QuotaCut,
                flaggedAt,
            });
    }
}
