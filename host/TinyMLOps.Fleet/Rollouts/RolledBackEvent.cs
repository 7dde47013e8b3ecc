using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>The rollout.rolled_back webhook event (docs/observability.md, "Webhooks", has the schema). Its key names the state change, so publishing it again records nothing.</summary>
public static class RolledBackEvent
{
    /// <summary>A rollout started rolling back (automatically on a bad health verdict, or by an operator): once per rollout.</summary>
    public static FleetEvent Of(RolloutRecord rollout, int devices, DateTimeOffset at)
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
}
