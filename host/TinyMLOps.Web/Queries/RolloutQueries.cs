using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>Rollouts as `variant rollout|rollouts|rollback` and /api/v1/rollouts read and write them.</summary>
public static class RolloutQueries
{
    /// <summary>Every rollout, newest first, with its devices counted by state.</summary>
    public static async Task<IReadOnlyList<RolloutJson>> ListAsync(IFleetStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = new List<RolloutJson>();
        foreach (var r in await store.ListRolloutsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(RolloutJson.Of(r, await store.RolloutDevicesAsync(r.RolloutId, cancellationToken).ConfigureAwait(false)));
        }

        return rows;
    }

    /// <summary>One rollout with its health, verdict and devices; null when there is none.</summary>
    public static async Task<RolloutStatus?> StatusAsync(IFleetStore store, VariantRegistry registry, long rolloutId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.GetRolloutAsync(rolloutId, cancellationToken).ConfigureAwait(false) == null
            ? null
            : await FleetControllers.Rollouts(store, registry).StatusAsync(rolloutId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a rollout for the host to carry out: ArgumentException for bad input, InvalidOperationException when another holds the cohort.</summary>
    public static Task<RolloutRecord> StartAsync(IFleetStore store, VariantRegistry registry, RolloutStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        return FleetControllers.Rollouts(store, registry).StartAsync(start.ToRequest(), cancellationToken);
    }

    /// <summary>Asks for a rollback (the host's next tick sends the commands); unchanged when it is already rolling or rolled back; null for no such rollout.</summary>
    public static async Task<Change<RolloutRecord>?> RollBackAsync(IFleetStore store, VariantRegistry registry, long rolloutId, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRolloutAsync(rolloutId, cancellationToken).ConfigureAwait(false) is not { } before)
        {
            return null;
        }

        if (before.State is RolloutStates.RolledBack or RolloutStates.RollingBack)
        {
            return new Change<RolloutRecord>(before, false);
        }

        await FleetControllers.Rollouts(store, registry).RollBackAsync(rolloutId, reason, cancellationToken).ConfigureAwait(false);
        return new Change<RolloutRecord>((await store.GetRolloutAsync(rolloutId, cancellationToken).ConfigureAwait(false))!, true);
    }


    /// <summary>Pauses an active rollout; unchanged when it is paused already; null for no such rollout; InvalidOperationException in any other state.</summary>
    public static Task<Change<RolloutRecord>?> PauseAsync(IFleetStore store, VariantRegistry registry, long rolloutId, string reason, CancellationToken cancellationToken) =>
        HoldAsync(store, rolloutId, RolloutStates.Paused, () => FleetControllers.Rollouts(store, registry).PauseAsync(rolloutId, reason, cancellationToken), cancellationToken);

    /// <summary>Resumes a paused rollout; unchanged when it is active already; null for no such rollout; InvalidOperationException in any other state.</summary>
    public static Task<Change<RolloutRecord>?> ResumeAsync(IFleetStore store, VariantRegistry registry, long rolloutId, CancellationToken cancellationToken) =>
        HoldAsync(store, rolloutId, RolloutStates.Active, () => FleetControllers.Rollouts(store, registry).ResumeAsync(rolloutId, cancellationToken), cancellationToken);

    /// <summary>Stops an active or paused rollout without rolling back; unchanged when it was aborted already; null for no such rollout; InvalidOperationException in any other state.</summary>
    public static Task<Change<RolloutRecord>?> AbortAsync(IFleetStore store, VariantRegistry registry, long rolloutId, string reason, CancellationToken cancellationToken) =>
        HoldAsync(store, rolloutId, RolloutStates.Aborted, () => FleetControllers.Rollouts(store, registry).AbortAsync(rolloutId, reason, cancellationToken), cancellationToken);

    private static async Task<Change<RolloutRecord>?> HoldAsync(IFleetStore store, long rolloutId, string target, Func<Task<RolloutRecord>> act, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRolloutAsync(rolloutId, cancellationToken).ConfigureAwait(false) is not { } before)
        {
            return null;
        }

        return before.State == target ? new Change<RolloutRecord>(before, false) : new Change<RolloutRecord>(await act().ConfigureAwait(false), true);
    }
}
