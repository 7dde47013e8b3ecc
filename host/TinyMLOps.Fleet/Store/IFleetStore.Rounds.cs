namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>
    /// Records a new round with its times as given; false (and nothing written) when the round id exists. The stored
    /// <see cref="RoundRecord.Version"/> starts at 1 whatever the record says.
    /// </summary>
    Task<bool> CreateRoundAsync(RoundRecord round, CancellationToken cancellationToken = default);

    /// <summary>The round, or null when there is none with that id.</summary>
    Task<RoundRecord?> GetRoundAsync(string roundId, CancellationToken cancellationToken = default);

    /// <summary>Every round, newest first (by creation time, then id); only unfinished ones (configured, collecting, aggregating, evaluating, releasing) when asked.</summary>
    Task<IReadOnlyList<RoundRecord>> ListRoundsAsync(bool unfinishedOnly = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the round's mutable fields (state, reason, deadline, result, candidate head, candidate variant and version,
    /// rollout id; a null clears the stored value) when its stored version is <paramref name="expectedVersion"/>, sets
    /// its update time to now and bumps the version. False when another writer got there first, or there is no such
    /// round (nothing written). The identity, base, cohort, strategy, configuration and creation time never change.
    /// </summary>
    Task<bool> UpdateRoundAsync(RoundRecord round, int expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a participant to an existing round, or replaces its state, command, transfer, counts, detail and update time
    /// (a null clears the stored value); the invitation time stays the first one.
    /// </summary>
    Task UpsertRoundParticipantAsync(RoundParticipantRecord participant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a participant to "uploaded" with its transfer, sample count and delta size, only from "invited" or
    /// "accepted". False when it was not in the round or had already left those states (a duplicate delta changes nothing).
    /// </summary>
    Task<bool> RecordRoundDeltaAsync(string roundId, string deviceId, long transferId, long sampleCount, long deltaBytes, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The participants of a round by device id; empty for an unknown round.</summary>
    Task<IReadOnlyList<RoundParticipantRecord>> RoundParticipantsAsync(string roundId, CancellationToken cancellationToken = default);
}
