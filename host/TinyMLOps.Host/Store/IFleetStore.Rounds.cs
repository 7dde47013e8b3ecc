namespace TinyMLOps.Host.Store;

public partial interface IFleetStore
{
    /// <summary>Records a new round; false (and nothing written) when the round id exists.</summary>
    Task<bool> CreateRoundAsync(RoundRecord round, CancellationToken cancellationToken = default);

    Task<RoundRecord?> GetRoundAsync(string roundId, CancellationToken cancellationToken = default);

    /// <summary>Every round, newest first; only unfinished ones (configured, collecting, aggregating, evaluating, releasing) when asked.</summary>
    Task<IReadOnlyList<RoundRecord>> ListRoundsAsync(bool unfinishedOnly = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the round's mutable fields (state, reason, deadline, result, candidate head, candidate variant and version,
    /// rollout id) when its stored version is <paramref name="expectedVersion"/>, and bumps the version. False when
    /// another writer got there first (nothing written).
    /// </summary>
    Task<bool> UpdateRoundAsync(RoundRecord round, int expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Adds a participant, or replaces its state, command, transfer, counts and detail; the invitation time stays the first one.</summary>
    Task UpsertRoundParticipantAsync(RoundParticipantRecord participant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a participant to "uploaded" with its transfer, sample count and delta size, only from "invited" or
    /// "accepted". False when it was not in the round or had already left those states (a duplicate delta changes nothing).
    /// </summary>
    Task<bool> RecordRoundDeltaAsync(string roundId, string deviceId, long transferId, long sampleCount, long deltaBytes, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RoundParticipantRecord>> RoundParticipantsAsync(string roundId, CancellationToken cancellationToken = default);
}
