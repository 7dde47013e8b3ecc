using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string RoundColumns =
        "round_id, model_id, base_variant_id, base_version, base_hash, role, fleet, board, strategy, config, state, reason, "
        + "created_at, deadline, updated_at, result, candidate_head, candidate_variant_id, candidate_version, rollout_id, version, cohort";

    private const string RoundParticipantColumns = "round_id, device_id, state, command_id, invited_at, updated_at, transfer_id, sample_count, delta_bytes, detail";

    /// <summary>The states of a round that is still running; the others (released, failed, ...) are final.</summary>
    private const string UnfinishedRoundStates = "'configured', 'collecting', 'aggregating', 'evaluating', 'releasing'";

    public Task<bool> CreateRoundAsync(RoundRecord round, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(round.RoundId, nameof(round));
        return WriteAsync(
            async (c, tx) => await ExecuteAsync(
                c,
                tx,
                $"INSERT INTO fl_rounds ({RoundColumns}) VALUES (@id, @model, @baseVariant, @baseVersion, @baseHash, @role, " +
                $"{NullOr(round.Fleet, "fleet")}, {NullOr(round.Board, "board")}, @strategy, @config, @state, @reason, @created, @deadline, @updated, " +
                $"{NullOr(round.Result, "result")}, {NullOr(round.CandidateHead, "head")}, {NullOr(round.CandidateVariantId, "candidateVariant")}, " +
                $"{NullOr(round.CandidateVersion, "candidateVersion")}, {NullOr(round.RolloutId, "rollout")}, 1, {NullOr(round.Cohort, "cohort")}) " +
                "ON CONFLICT (round_id) DO NOTHING",
                cancellationToken,
                ("id", round.RoundId),
                ("model", round.ModelId),
                ("baseVariant", round.BaseVariantId),
                ("baseVersion", round.BaseVersion),
                ("baseHash", round.BaseHash),
                ("role", round.Role),
                ("fleet", round.Fleet ?? string.Empty),
                ("board", round.Board ?? string.Empty),
                ("strategy", round.Strategy),
                ("config", round.Config),
                ("state", round.State),
                ("reason", round.Reason),
                ("created", ToDb(round.CreatedAt)),
                ("deadline", ToDb(round.Deadline)),
                ("updated", ToDb(round.UpdatedAt)),
                ("result", round.Result ?? string.Empty),
                ("head", round.CandidateHead ?? []),
                ("candidateVariant", round.CandidateVariantId ?? string.Empty),
                ("candidateVersion", round.CandidateVersion ?? 0),
                ("rollout", round.RolloutId ?? 0L),
                ("cohort", round.Cohort ?? string.Empty)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    public async Task<RoundRecord?> GetRoundAsync(string roundId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {RoundColumns} FROM fl_rounds WHERE round_id = @id", ReadRound, cancellationToken, ("id", roundId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<RoundRecord>> ListRoundsAsync(bool unfinishedOnly = false, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {RoundColumns} FROM fl_rounds{(unfinishedOnly ? $" WHERE state IN ({UnfinishedRoundStates})" : string.Empty)} ORDER BY created_at DESC, round_id DESC",
            ReadRound,
            cancellationToken);

    public Task<bool> UpdateRoundAsync(RoundRecord round, int expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentException.ThrowIfNullOrEmpty(round.State, nameof(round));
        ArgumentNullException.ThrowIfNull(round.Reason, nameof(round));
        return WriteAsync(
            async (c, tx) => await ExecuteAsync(
                c,
                tx,
                "UPDATE fl_rounds SET state = @state, reason = @reason, deadline = @deadline, updated_at = @at, " +
                $"result = {NullOr(round.Result, "result")}, candidate_head = {NullOr(round.CandidateHead, "head")}, " +
                $"candidate_variant_id = {NullOr(round.CandidateVariantId, "candidateVariant")}, candidate_version = {NullOr(round.CandidateVersion, "candidateVersion")}, " +
                $"rollout_id = {NullOr(round.RolloutId, "rollout")}, version = version + 1 " +
                "WHERE round_id = @id AND version = @expected",
                cancellationToken,
                ("state", round.State),
                ("reason", round.Reason),
                ("deadline", ToDb(round.Deadline)),
                ("at", ToDb(DateTimeOffset.UtcNow)),
                ("result", round.Result ?? string.Empty),
                ("head", round.CandidateHead ?? []),
                ("candidateVariant", round.CandidateVariantId ?? string.Empty),
                ("candidateVersion", round.CandidateVersion ?? 0),
                ("rollout", round.RolloutId ?? 0L),
                ("id", round.RoundId),
                ("expected", expectedVersion)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    public Task UpsertRoundParticipantAsync(RoundParticipantRecord participant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(participant);
        ArgumentException.ThrowIfNullOrEmpty(participant.DeviceId, nameof(participant));
        ArgumentNullException.ThrowIfNull(participant.Detail, nameof(participant));
        return WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                $"INSERT INTO fl_participants ({RoundParticipantColumns}) VALUES (@round, @device, @state, {NullOr(participant.CommandId, "command")}, @invited, @at, " +
                $"{NullOr(participant.TransferId, "transfer")}, {NullOr(participant.SampleCount, "samples")}, {NullOr(participant.DeltaBytes, "bytes")}, @detail) " +
                "ON CONFLICT (round_id, device_id) DO UPDATE SET state = excluded.state, command_id = excluded.command_id, updated_at = excluded.updated_at, " +
                "transfer_id = excluded.transfer_id, sample_count = excluded.sample_count, delta_bytes = excluded.delta_bytes, detail = excluded.detail",
                cancellationToken,
                ("round", participant.RoundId),
                ("device", participant.DeviceId),
                ("state", participant.State),
                ("command", participant.CommandId ?? 0L),
                ("invited", ToDb(participant.InvitedAt)),
                ("at", ToDb(participant.UpdatedAt)),
                ("transfer", participant.TransferId ?? 0L),
                ("samples", participant.SampleCount ?? 0L),
                ("bytes", participant.DeltaBytes ?? 0L),
                ("detail", participant.Detail)),
            cancellationToken);
    }

    public Task<bool> RecordRoundDeltaAsync(string roundId, string deviceId, long transferId, long sampleCount, long deltaBytes, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(roundId);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        return WriteAsync(
            async (c, tx) => await ExecuteAsync(
                c,
                tx,
                "UPDATE fl_participants SET state = 'uploaded', transfer_id = @transfer, sample_count = @samples, delta_bytes = @bytes, updated_at = @at " +
                "WHERE round_id = @round AND device_id = @device AND state IN ('invited', 'accepted')",
                cancellationToken,
                ("transfer", transferId),
                ("samples", sampleCount),
                ("bytes", deltaBytes),
                ("at", ToDb(at)),
                ("round", roundId),
                ("device", deviceId)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    public Task<IReadOnlyList<RoundParticipantRecord>> RoundParticipantsAsync(string roundId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {RoundParticipantColumns} FROM fl_participants WHERE round_id = @id ORDER BY device_id", ReadRoundParticipant, cancellationToken, ("id", roundId));

    /// <summary>
    /// The SQL for an optional value: the literal NULL when absent, else the parameter. A null parameter would go out
    /// typed as text, which PostgreSQL refuses for bytea and integer columns.
    /// </summary>
    private static string NullOr(object? value, string parameter) => value is null ? "NULL" : "@" + parameter;

    private RoundRecord ReadRound(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetInt32(3),
        r.GetString(4),
        r.GetInt32(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.GetString(8),
        r.GetString(9),
        r.GetString(10),
        r.GetString(11),
        ReadTime(r, 12),
        ReadTime(r, 13),
        ReadTime(r, 14),
        r.IsDBNull(15) ? null : r.GetString(15),
        r.IsDBNull(16) ? null : (byte[])r.GetValue(16),
        r.IsDBNull(17) ? null : r.GetString(17),
        r.IsDBNull(18) ? null : r.GetInt32(18),
        r.IsDBNull(19) ? null : r.GetInt64(19),
        r.GetInt32(20),
        r.IsDBNull(21) ? null : r.GetString(21));

    private RoundParticipantRecord ReadRoundParticipant(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetInt64(3),
        ReadTime(r, 4),
        ReadTime(r, 5),
        r.IsDBNull(6) ? null : r.GetInt64(6),
        r.IsDBNull(7) ? null : r.GetInt64(7),
        r.IsDBNull(8) ? null : r.GetInt64(8),
        r.GetString(9));
}
