namespace TinyMLOps.Fleet.Store;

/// <summary>
/// A staged rollout of one variant version to one role of a cohort: the devices of a fleet and board (null: any)
/// whose stable bucket (0-99) is below the current stage's percentage. Stages and policy are kept as text
/// ("10,50,100"; the policy as JSON) so the store needs no schema change when the policy grows. <see cref="Cohort"/>, a tag expression, narrows the
/// devices further (null: every device of the fleet and board).
/// </summary>
public sealed record RolloutRecord(
    long RolloutId,
    string VariantId,
    int Version,
    string ContentHash,
    int Role,
    string? Fleet,
    string? Board,
    int Percent,
    string Stages,
    string Policy,
    string State,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Cohort = null);

/// <summary>One device in a rollout: where it stands, what it ran before (for the rollback), and the command that assigned it.</summary>
public sealed record RolloutDeviceRecord(
    long RolloutId,
    string DeviceId,
    string State,
    string PreviousVariant,
    string PreviousHash,
    long? CommandId,
    DateTimeOffset AssignedAt,
    DateTimeOffset? InstalledAt,
    DateTimeOffset UpdatedAt,
    string Detail);
