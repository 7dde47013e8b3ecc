using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Contracts;

/// <summary>
/// A rollout as an operator asks for it (`variant rollout`, POST /api/v1/rollouts): the variant, the role and cohort,
/// the stages, and the health policy; unset values take the console's defaults.
/// </summary>
public sealed record RolloutStart
{
    private static readonly RolloutPolicy Defaults = new();

    public string VariantId { get; init; } = "";

    /// <summary>Null: the newest version.</summary>
    public int? Version { get; init; }

    public string Role { get; init; } = "plugged";

    public string? Fleet { get; init; }

    public string? Board { get; init; }

    /// <summary>A tag expression: only matching devices take part, and devices that start matching later join.</summary>
    public string? Cohort { get; init; }

    /// <summary>Percentages of the cohort per stage, ascending, ending at 100.</summary>
    public string Stages { get; init; } = "10,50,100";

    /// <summary>Healthy time per stage before the next (30m, 1h, 1d).</summary>
    public string Soak { get; init; } = "1h";

    public long? MinInferences { get; init; }

    public double? MaxErrorRate { get; init; }

    public double? MaxConfidenceDrop { get; init; }

    /// <summary>The controller's request; an ArgumentException with one line for a bad value.</summary>
    public RolloutRequest ToRequest()
    {
        if (string.IsNullOrWhiteSpace(VariantId))
        {
            throw new ArgumentException("variantId is required");
        }

        var policy = new RolloutPolicy
        {
            Soak = RequestValues.ParseDuration(Soak ?? "1h"),
            MinInferences = MinInferences ?? Defaults.MinInferences,
            MaxErrorRate = MaxErrorRate ?? Defaults.MaxErrorRate,
            MaxConfidenceDrop = MaxConfidenceDrop ?? Defaults.MaxConfidenceDrop,
        };
        return new RolloutRequest(VariantId, Version, RequestValues.ParseRole(Role ?? "plugged"), Blank(Fleet), Blank(Board), Stages ?? "10,50,100", policy, Blank(Cohort));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
