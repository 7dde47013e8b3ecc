namespace TinyMLOps.Fleet.Drift;

/// <summary>One input group over the threshold: its index, PSI and excess over the noise floor.</summary>
public sealed record DriftFeature(int Group, double Psi, double Excess);

/// <summary>
/// An open drift alert of a device or cohort with its evidence: which features (input regions, classes, confidences)
/// are off, how far (PSI), and since when (the first window of the current run over the threshold).
/// </summary>
public sealed record DriftAlert(
    string Subject,
    string VariantId,
    DateTimeOffset Since,
    long SinceSequence,
    int Windows,
    IReadOnlyList<DriftFeature> Features,
    double ClassPsi,
    bool ClassDrifted,
    double ConfidencePsi,
    bool ConfidenceDrifted,
    double ConfidenceShift)
{
    /// <summary>One line: what drifted, how far, since when.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Features.Count > 0)
        {
            parts.Add("input regions " + string.Join(", ", Features.Take(4).Select(f => $"#{f.Group} PSI {f.Psi:0.00}")) + (Features.Count > 4 ? $" (+{Features.Count - 4})" : string.Empty));
        }

        if (ClassDrifted)
        {
            parts.Add($"predicted classes PSI {ClassPsi:0.00}");
        }

        if (ConfidenceDrifted)
        {
            parts.Add($"confidence PSI {ConfidencePsi:0.00}");
        }

        parts.Add($"mean confidence {ConfidenceShift:+0.00;-0.00}");
        return $"{Subject} ({VariantId}): {string.Join("; ", parts)}; since {Since:yyyy-MM-dd HH:mm} UTC, {Windows} window{(Windows == 1 ? "" : "s")}";
    }

    public static DriftAlert From(string subject, string variantId, DateTimeOffset since, long sinceSequence, int windows, WindowScore latest) => new(
        subject,
        variantId,
        since,
        sinceSequence,
        windows,
        [.. latest.DriftedGroups.Select(g => new DriftFeature(g, latest.Groups[g].Psi, latest.Groups[g].Excess))],
        latest.Classes.Psi,
        latest.Classes.OverThreshold,
        latest.Confidence.Psi,
        latest.Confidence.OverThreshold,
        latest.ConfidenceShift);
}
