using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>
/// The events of the four sources with the facts an operator acts on (docs/observability.md, "Webhooks", has the
/// schema). Each key names the state change, so a source that publishes again after a crash records nothing new.
/// </summary>
public static class FleetEvents
{
    /// <summary>A device's drift alert opened: keyed by device, variant and the first window of the drifted run.</summary>
    public static FleetEvent DriftAlert(DriftAlert alert, CohortKey cohort, DateTimeOffset at)
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

    /// <summary>A rollout started rolling back (automatically on a bad health verdict, or by an operator): once per rollout.</summary>
    public static FleetEvent RolloutRolledBack(RolloutRecord rollout, int devices, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        return new FleetEvent(
            FleetEventTypes.RolloutRolledBack,
            $"{FleetEventTypes.RolloutRolledBack}:{rollout.RolloutId}",
            at,
            new
            {
                rolloutId = rollout.RolloutId,
                variantId = rollout.VariantId,
                version = rollout.Version,
                role = VariantAssignment.RoleName(rollout.Role),
                fleet = rollout.Fleet,
                board = rollout.Board,
                percent = rollout.Percent,
                trigger = rollout.Reason.StartsWith("manual", StringComparison.Ordinal) ? "manual" : "automatic",
                reason = rollout.Reason,
                devices,
            });
    }

    /// <summary>A device was flagged as a model-extraction suspect: keyed by device and flag time (a flag cleared and raised again is a new event).</summary>
    public static FleetEvent ExtractionSuspect(ExtractionSuspectRecord suspect, IReadOnlyList<string> tripped)
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

    /// <summary>A federated round passed its release gate and was released (registered, and rolled out when asked): once per round.</summary>
    public static FleetEvent RoundReleased(RoundRecord round, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(round);
        var result = RoundResult.FromJson(round.Result);
        return new FleetEvent(
            FleetEventTypes.RoundReleased,
            $"{FleetEventTypes.RoundReleased}:{round.RoundId}",
            at,
            new
            {
                roundId = round.RoundId,
                modelId = round.ModelId,
                baseVariantId = round.BaseVariantId,
                baseVersion = round.BaseVersion,
                candidateVariantId = round.CandidateVariantId,
                candidateVersion = round.CandidateVersion,
                rolloutId = round.RolloutId,
                role = VariantAssignment.RoleName(round.Role),
                fleet = round.Fleet,
                board = round.Board,
                strategy = result.Strategy,
                clientsUsed = result.ClientsUsed,
                samples = result.Samples,
                gate = new
                {
                    verdict = "pass",
                    currentAccuracy = result.CurrentAccuracy,
                    candidateAccuracy = result.CandidateAccuracy,
                    labels = result.Labels,
                    currentPerClass = result.CurrentPerClass,
                    candidatePerClass = result.CandidatePerClass,
                    reasons = result.GateReasons,
                },
                reason = round.Reason,
            });
    }

    /// <summary>`webhook test`: a ping for one subscription (a fresh key each time).</summary>
    public static FleetEvent Ping(long subscriptionId, DateTimeOffset at) => new(
        FleetEventTypes.Ping,
        $"{FleetEventTypes.Ping}:{subscriptionId}:{Guid.NewGuid():N}",
        at,
        new { subscriptionId, message = "ping from tinymlops webhook test" });
}
