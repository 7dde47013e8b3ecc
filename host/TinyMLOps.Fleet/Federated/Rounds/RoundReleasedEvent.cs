using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>The round.released webhook event (docs/observability.md, "Webhooks", has the schema). Its key names the state change, so publishing it again records nothing.</summary>
public static class RoundReleasedEvent
{
    /// <summary>A federated round passed its release gate and was released (registered, and rolled out when asked): once per round.</summary>
    public static FleetEvent Of(RoundRecord round, DateTimeOffset at)
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
}
