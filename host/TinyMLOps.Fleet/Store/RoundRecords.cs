namespace TinyMLOps.Fleet.Store;

/// <summary>
/// A federated round: its base (one variant version on one role), the cohort it invites, its configuration and its
/// outcome. The configuration and the result are JSON so the schema does not change when they grow; the
/// candidate head (the aggregated float weights of the trainable layers) is kept as bytes so a release after a
/// host restart uses exactly what was aggregated. <see cref="Cohort"/> is a tag expression (null: the whole fleet and board). <see cref="Version"/> guards concurrent writers.
/// </summary>
public sealed record RoundRecord(
    string RoundId,
    string ModelId,
    string BaseVariantId,
    int BaseVersion,
    string BaseHash,
    int Role,
    string? Fleet,
    string? Board,
    string Strategy,
    string Config,
    string State,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset UpdatedAt,
    string? Result,
    byte[]? CandidateHead,
    string? CandidateVariantId,
    int? CandidateVersion,
    long? RolloutId,
    int Version,
    string? Cohort = null);

/// <summary>One device in a round: invited, then accepted or declined, then uploaded (or a straggler, or its delta rejected).</summary>
public sealed record RoundParticipantRecord(
    string RoundId,
    string DeviceId,
    string State,
    long? CommandId,
    DateTimeOffset InvitedAt,
    DateTimeOffset UpdatedAt,
    long? TransferId,
    long? SampleCount,
    long? DeltaBytes,
    string Detail);
