using System.Text.Json;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>
/// Everything a round needs, kept as JSON in the round's record: the base (a variant version on one role), who is
/// eligible, what the devices train and how they compress, how the host aggregates, and the release gate and rollout.
/// </summary>
public sealed record RoundConfig
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string VariantId { get; init; } = "";

    /// <summary>The registry version of the base; null takes the newest.</summary>
    public int? Version { get; init; }

    public int Role { get; init; } = VariantAssignment.RolePlugged;

    public string? Fleet { get; init; }

    public string? Board { get; init; }

    /// <summary>A tag expression narrowing the fleet and board (null: all of them); see <see cref="Tags.TagExpression"/>.</summary>
    public string? Cohort { get; init; }

    // Eligibility.
    public bool RequirePlugged { get; init; } = true;

    /// <summary>With <see cref="RequirePlugged"/> off, a device on battery needs at least this charge.</summary>
    public int MinBatteryPercent { get; init; } = 50;

    public int MinSamples { get; init; } = 20;

    public int MaxSamples { get; init; } = 512;

    public int MinParticipants { get; init; } = 2;

    public int TargetParticipants { get; init; } = 10;

    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Seconds without an inference before a device trains.</summary>
    public int IdleSeconds { get; init; }

    // Local training and compression.
    public int Layers { get; init; } = 1;

    public int Epochs { get; init; } = 2;

    public int BatchSize { get; init; } = 16;

    public float LearningRate { get; init; } = 0.05f;

    public float ProximalMu { get; init; }

    public float ClipNorm { get; init; } = 5f;

    public float KeepFraction { get; init; } = 0.1f;

    public bool ErrorFeedback { get; init; } = true;

    // Aggregation: fedavg, fedavgm, fedprox, median or trimmed; DP wraps any of them when the noise multiplier is above 0.
    public string Strategy { get; init; } = "fedavg";

    public double TrimFraction { get; init; } = 0.2;

    public double DpNoiseMultiplier { get; init; }

    public double DpClipNorm { get; init; } = 1.0;

    // Release.
    public double MaxClassDropPoints { get; init; } = 2.0;

    public double MinGainPoints { get; init; }

    /// <summary>Start a staged rollout of a passing candidate (else it is only registered).</summary>
    public bool Rollout { get; init; } = true;

    public string RolloutStages { get; init; } = "10,50,100";

    /// <summary>The rollout's soak per stage (see <see cref="TinyMLOps.Fleet.Rollouts.RolloutPolicy.Soak"/>).</summary>
    public TimeSpan RolloutSoak { get; init; } = new TinyMLOps.Fleet.Rollouts.RolloutPolicy().Soak;

    /// <summary>Pooled inferences on the candidate before the rollout judges it.</summary>
    public long RolloutMinInferences { get; init; } = new TinyMLOps.Fleet.Rollouts.RolloutPolicy().MinInferences;

    public int Seed { get; init; } = 1;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RoundConfig FromJson(string json) => JsonSerializer.Deserialize<RoundConfig>(json, Json) ?? throw new InvalidDataException("empty round configuration");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(VariantId.Length > 0, "a base variant is required");
        Require(VariantAssignment.IsRole(Role), "the role is 1 (plugged) or 2 (battery)");
        Require(MinBatteryPercent is >= 0 and <= 100, "the minimum battery is 0 to 100%");
        Require(MinSamples >= 1 && MaxSamples >= MinSamples && MaxSamples <= ushort.MaxValue, "samples: 1 <= min <= max <= 65535");
        Require(MinParticipants >= 1 && TargetParticipants >= MinParticipants, "participants: 1 <= min <= target");
        Require(Deadline > TimeSpan.Zero, "the deadline must be in the future");
        Require(IdleSeconds is >= 0 and <= ushort.MaxValue, "idle seconds: 0 to 65535");
        Require(Layers >= 1 && Layers <= TrainableHead.MaxLayers, $"layers: 1 to {TrainableHead.MaxLayers}");
        Require(Epochs >= 1 && Epochs <= RoundInvite.MaxEpochs, $"epochs: 1 to {RoundInvite.MaxEpochs}");
        Require(BatchSize >= 1 && BatchSize <= RoundInvite.MaxBatch, $"batch: 1 to {RoundInvite.MaxBatch}");
        Require(LearningRate is > 0 and <= 10, "the learning rate is in (0, 10]");
        Require(ProximalMu is >= 0 and <= 100, "mu is in [0, 100]");
        Require(ClipNorm is > 0 and <= 1e6f, "the clip norm is in (0, 1e6]");
        Require(KeepFraction is > 0 and <= 1, "the keep fraction is in (0, 1]");
        Require(MaxClassDropPoints >= 0, "the class drop limit is not negative");
        _ = StrategyFactory.Create(this);
    }

    /// <summary>The command a device receives.</summary>
    public RoundInvite Invite(string roundId, string baseVariantId, byte[] baseHash, DateTimeOffset deadline) => new()
    {
        RoundId = roundId,
        Role = Role,
        BaseVariantId = baseVariantId,
        BaseHash = baseHash,
        Layers = Layers,
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        ProximalMu = ProximalMu,
        ClipNorm = ClipNorm,
        KeepFraction = KeepFraction,
        Flags = (ErrorFeedback ? RoundInvite.FlagErrorFeedback : 0) | (RequirePlugged ? RoundInvite.FlagRequirePlugged : 0),
        MinSamples = MinSamples,
        MaxSamples = MaxSamples,
        IdleSeconds = IdleSeconds,
        Deadline = (uint)deadline.ToUnixTimeSeconds(),
        Seed = (uint)Seed,
    };

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
