using System.Globalization;
using System.Text.Json;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Fleet.Federated;

/// <summary>Limits of <see cref="ReleaseGate.Evaluate"/>, in percentage points.</summary>
public sealed record GateOptions
{
    /// <summary>The candidate's overall accuracy must reach the current one plus this many points (0: not below it).</summary>
    public double MinGainPoints { get; init; }

    /// <summary>No class may lose more than this many points of accuracy (recall).</summary>
    public double MaxClassDropPoints { get; init; } = 2.0;

    /// <summary>Workers for the int8 evaluations (-1: one per processor).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>
/// What the release gate decided and why. Accuracies are fractions in 0..1 (as <see cref="EvaluationResult.Accuracy"/>);
/// per-class values are recalls, index = class. Plain values only, so the verdict serializes as is
/// (<see cref="ToJson"/>) into a round's result.
/// </summary>
/// <param name="Pass">True when the candidate may be released.</param>
/// <param name="CurrentAccuracy">Overall top-1 accuracy of the current model on the held-out set.</param>
/// <param name="CandidateAccuracy">Overall top-1 accuracy of the candidate on the held-out set.</param>
/// <param name="Labels">Class names, index = class.</param>
/// <param name="CurrentPerClass">The current model's accuracy on each class's held-out images.</param>
/// <param name="CandidatePerClass">The candidate's accuracy on each class's held-out images.</param>
/// <param name="Reasons">One sentence per violated limit; empty when the candidate passes.</param>
public sealed record GateVerdict(
    bool Pass,
    double CurrentAccuracy,
    double CandidateAccuracy,
    IReadOnlyList<string> Labels,
    IReadOnlyList<double> CurrentPerClass,
    IReadOnlyList<double> CandidatePerClass,
    IReadOnlyList<string> Reasons)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static GateVerdict FromJson(string json) =>
        JsonSerializer.Deserialize<GateVerdict>(json, Json) ?? throw new JsonException("a gate verdict cannot be null");
}

/// <summary>
/// The release gate against forgetting: a candidate model (the aggregated head, re-quantized) is compared with the current
/// model on a held-out set, both run by the real int8 interpreter. It is rejected when its overall accuracy falls below
/// the current one (plus <see cref="GateOptions.MinGainPoints"/>) or when any class loses more than
/// <see cref="GateOptions.MaxClassDropPoints"/>.
/// </summary>
public static class ReleaseGate
{
    /// <summary>Float noise allowed at a limit: a drop of exactly the limit passes.</summary>
    private const double Epsilon = 1e-9;

    /// <exception cref="ArgumentException">The models do not share outputs and labels, the held-out set is empty or
    /// does not fit them, or the options are not finite (or the class limit is negative).</exception>
    public static GateVerdict Evaluate(Int8Model current, Int8Model candidate, LabelledSet heldOut, GateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(heldOut);
        options ??= new GateOptions();
        if (!double.IsFinite(options.MinGainPoints) || !double.IsFinite(options.MaxClassDropPoints) || options.MaxClassDropPoints < 0)
        {
            throw new ArgumentException($"gate limits must be finite and the class drop not negative (gain {options.MinGainPoints}, class drop {options.MaxClassDropPoints})", nameof(options));
        }

        if (heldOut.Count == 0)
        {
            throw new ArgumentException("the held-out set is empty", nameof(heldOut));
        }

        int classes = current.Output.OutputElements;
        if (candidate.Output.OutputElements != classes)
        {
            throw new ArgumentException($"the candidate has {candidate.Output.OutputElements} outputs, the current model {classes}", nameof(candidate));
        }

        if (current.Labels is { Length: > 0 } && candidate.Labels is { Length: > 0 } && !current.Labels.SequenceEqual(candidate.Labels))
        {
            throw new ArgumentException("the candidate's labels differ from the current model's", nameof(candidate));
        }

        EvaluationResult now = Evaluation.Evaluate(current, heldOut, options.MaxDegreeOfParallelism);
        EvaluationResult next = Evaluation.Evaluate(candidate, heldOut, options.MaxDegreeOfParallelism);
        string[] labels = new string[classes];
        var currentPerClass = new double[classes];
        var candidatePerClass = new double[classes];
        int[] counts = heldOut.ClassHistogram();
        var reasons = new List<string>();

        double required = now.Accuracy + (options.MinGainPoints / 100);
        if (next.Accuracy < required - Epsilon)
        {
            string gain = options.MinGainPoints == 0 ? "" : Format($" plus the required gain of {options.MinGainPoints:F2} points");
            reasons.Add(Format($"overall {next.Accuracy * 100:F2}% is below the current {now.Accuracy * 100:F2}%") + gain);
        }

        for (int c = 0; c < classes; c++)
        {
            labels[c] = c < now.ClassNames.Count ? now.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture);
            currentPerClass[c] = now.ClassAccuracy(c);
            candidatePerClass[c] = next.ClassAccuracy(c);
            double drop = (currentPerClass[c] - candidatePerClass[c]) * 100;
            if (c < counts.Length && counts[c] > 0 && drop > options.MaxClassDropPoints + Epsilon)
            {
                reasons.Add(Format($"class '{labels[c]}' drops {drop:F2} points (limit {options.MaxClassDropPoints:F2})"));
            }
        }

        return new GateVerdict(reasons.Count == 0, now.Accuracy, next.Accuracy, labels, currentPerClass, candidatePerClass, reasons);
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
