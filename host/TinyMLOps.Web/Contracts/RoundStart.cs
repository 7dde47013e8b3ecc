using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Contracts;

/// <summary>
/// A federated round as an operator asks for it (`round start`, POST /api/v1/rounds): the configuration with the role
/// and the durations as text; unset values take <see cref="RoundConfig"/>'s defaults.
/// </summary>
public sealed record RoundStart
{
    private static readonly RoundConfig Defaults = new();

    /// <summary>Null: the next free r1, r2, ….</summary>
    public string? Id { get; init; }

    public string VariantId { get; init; } = "";

    public int? Version { get; init; }

    public string Role { get; init; } = "plugged";

    public string? Fleet { get; init; }

    public string? Board { get; init; }

    /// <summary>A tag expression: only matching devices are invited, those that start matching while it collects too.</summary>
    public string? Cohort { get; init; }

    public string Strategy { get; init; } = Defaults.Strategy;

    public double TrimFraction { get; init; } = Defaults.TrimFraction;

    public double DpNoiseMultiplier { get; init; } = Defaults.DpNoiseMultiplier;

    public double DpClipNorm { get; init; } = Defaults.DpClipNorm;

    public int MinParticipants { get; init; } = Defaults.MinParticipants;

    public int TargetParticipants { get; init; } = Defaults.TargetParticipants;

    /// <summary>Time to collect deltas (90s, 30m, 1h).</summary>
    public string Deadline { get; init; } = "30m";

    public bool RequirePlugged { get; init; } = Defaults.RequirePlugged;

    public int MinBatteryPercent { get; init; } = Defaults.MinBatteryPercent;

    public int IdleSeconds { get; init; } = Defaults.IdleSeconds;

    public int MinSamples { get; init; } = Defaults.MinSamples;

    public int MaxSamples { get; init; } = Defaults.MaxSamples;

    public int Layers { get; init; } = Defaults.Layers;

    public int Epochs { get; init; } = Defaults.Epochs;

    public int BatchSize { get; init; } = Defaults.BatchSize;

    public float LearningRate { get; init; } = Defaults.LearningRate;

    public float ProximalMu { get; init; } = Defaults.ProximalMu;

    public float ClipNorm { get; init; } = Defaults.ClipNorm;

    public float KeepFraction { get; init; } = Defaults.KeepFraction;

    public bool ErrorFeedback { get; init; } = Defaults.ErrorFeedback;

    public double MaxClassDropPoints { get; init; } = Defaults.MaxClassDropPoints;

    public double MinGainPoints { get; init; } = Defaults.MinGainPoints;

    public bool Rollout { get; init; } = Defaults.Rollout;

    public string RolloutStages { get; init; } = Defaults.RolloutStages;

    /// <summary>Rollout of a passing candidate: healthy time per stage (30m, 1h).</summary>
    public string RolloutSoak { get; init; } = "1h";

    public int Seed { get; init; } = Defaults.Seed;

    /// <summary>The coordinator's configuration; an ArgumentException with one line for a bad role or duration.</summary>
    public RoundConfig ToConfig()
    {
        if (string.IsNullOrWhiteSpace(VariantId))
        {
            throw new ArgumentException("variantId is required");
        }

        return new RoundConfig
        {
            VariantId = VariantId,
            Version = Version,
            Role = RequestValues.ParseRole(Role ?? "plugged"),
            Fleet = string.IsNullOrWhiteSpace(Fleet) ? null : Fleet,
            Board = string.IsNullOrWhiteSpace(Board) ? null : Board,
            Cohort = string.IsNullOrWhiteSpace(Cohort) ? null : Cohort,
            Strategy = Strategy ?? Defaults.Strategy,
            TrimFraction = TrimFraction,
            DpNoiseMultiplier = DpNoiseMultiplier,
            DpClipNorm = DpClipNorm,
            MinParticipants = MinParticipants,
            TargetParticipants = TargetParticipants,
            Deadline = RequestValues.ParseDuration(Deadline ?? "30m"),
            RequirePlugged = RequirePlugged,
            MinBatteryPercent = MinBatteryPercent,
            IdleSeconds = IdleSeconds,
            MinSamples = MinSamples,
            MaxSamples = MaxSamples,
            Layers = Layers,
            Epochs = Epochs,
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            ProximalMu = ProximalMu,
            ClipNorm = ClipNorm,
            KeepFraction = KeepFraction,
            ErrorFeedback = ErrorFeedback,
            MaxClassDropPoints = MaxClassDropPoints,
            MinGainPoints = MinGainPoints,
            Rollout = Rollout,
            RolloutStages = RolloutStages ?? Defaults.RolloutStages,
            RolloutSoak = RequestValues.ParseDuration(RolloutSoak ?? "1h"),
            Seed = Seed,
        };
    }
}
