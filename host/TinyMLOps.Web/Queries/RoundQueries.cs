using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>Federated rounds as `round start|status|history|cancel` and /api/v1/rounds read and write them.</summary>
public static class RoundQueries
{
    /// <summary>Every round, oldest first (the console's order) or newest first (the API's pages).</summary>
    public static async Task<IReadOnlyList<RoundRecord>> HistoryAsync(IFleetStore store, bool newestFirst, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rounds = await store.ListRoundsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return newestFirst ? rounds : [.. rounds.Reverse()];
    }

    /// <summary>One round with its configuration, result and participants; null when there is none.</summary>
    public static async Task<RoundStatus?> StatusAsync(IFleetStore store, string roundId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRoundAsync(roundId, cancellationToken).ConfigureAwait(false) is not { } round)
        {
            return null;
        }

        var participants = await store.RoundParticipantsAsync(roundId, cancellationToken).ConfigureAwait(false);
        return new RoundStatus(round, RoundConfig.FromJson(round.Config), RoundResult.FromJson(round.Result), participants);
    }

    /// <summary>Records a round for the host to run: ArgumentException for bad input, InvalidOperationException when one already trains the cohort or the id is taken.</summary>
    public static Task<RoundRecord> StartAsync(IFleetStore store, VariantRegistry registry, RoundStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        return FleetControllers.Rounds(store, registry).StartAsync(start.ToConfig(), string.IsNullOrWhiteSpace(start.Id) ? null : start.Id, cancellationToken);
    }

    /// <summary>Cancels a round; unchanged when it had already finished; null for no such round.</summary>
    public static async Task<Change<RoundRecord>?> CancelAsync(IFleetStore store, VariantRegistry registry, string roundId, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRoundAsync(roundId, cancellationToken).ConfigureAwait(false) is not { } before)
        {
            return null;
        }

        if (RoundStates.IsFinished(before.State))
        {
            return new Change<RoundRecord>(before, false);
        }

        await FleetControllers.Rounds(store, registry).CancelAsync(roundId, reason, cancellationToken).ConfigureAwait(false);
        return new Change<RoundRecord>((await store.GetRoundAsync(roundId, cancellationToken).ConfigureAwait(false))!, true);
    }
}
