using System.Text.Json;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>
/// When a rollout advances a stage and when it rolls back. The new variant is judged on the pooled model-health
/// windows of the devices that run it, against the same devices' windows on the variant it replaced.
/// </summary>
public sealed record RolloutPolicy
{
    /// <summary>Inferences on the new variant, pooled over its devices, before its confidence is compared or a stage advances.</summary>
    public long MinInferences { get; init; } = 200;

    /// <summary>Error share (errors over errors plus inferences) above which the new variant is bad, whatever the old one did.</summary>
    public double MaxErrorRate { get; init; } = 0.02;

    /// <summary>The new variant is also bad when its error share exceeds this multiple of the old one's.</summary>
    public double ErrorRateFactor { get; init; } = 2;

    /// <summary>Errors needed before error share is judged at all (one stray error on ten inferences is not a verdict).</summary>
    public long MinErrors { get; init; } = 3;

    /// <summary>Largest drop of mean top-1 confidence (0-1) against the old variant.</summary>
    public double MaxConfidenceDrop { get; init; } = 0.05;

    /// <summary>Largest rise of the drift score (PSI) against the old variant.</summary>
    public double MaxDriftIncrease { get; init; } = 0.1;

    /// <summary>Devices that rolled back by themselves because the new model failed to load, before the rollout rolls back.</summary>
    public int MaxLoadFailures { get; init; } = 1;

    /// <summary>Time a stage runs healthy before the next one starts.</summary>
    public TimeSpan Soak { get; init; } = TimeSpan.FromHours(1);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RolloutPolicy FromJson(string json) =>
        string.IsNullOrWhiteSpace(json) ? new RolloutPolicy() : JsonSerializer.Deserialize<RolloutPolicy>(json, Json) ?? new RolloutPolicy();
}
