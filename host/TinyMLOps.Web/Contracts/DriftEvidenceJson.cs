using TinyMLOps.Fleet.Drift;
using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Web.Contracts;

/// <summary>
/// The evidence `drift report` charts: reference against observed, each as shares of its histogram (0–1), for the
/// worst input region, the predicted classes and the top-1 confidences.
/// </summary>
public sealed record DriftEvidenceJson(
    int WorstRegion,
    double? RegionPsi,
    IReadOnlyList<double> RegionReference,
    IReadOnlyList<double> RegionObserved,
    double? ClassPsi,
    IReadOnlyList<double> ClassReference,
    IReadOnlyList<double> ClassObserved,
    double? ConfidencePsi,
    IReadOnlyList<double> ConfidenceReference,
    IReadOnlyList<double> ConfidenceObserved,
    double? MeanConfidence,
    double? ReferenceMeanConfidence)
{
    public static DriftEvidenceJson Of(DriftProfile profile, DriftHistograms observed, WindowScore score)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(score);
        int g = score.WorstGroup;
        int bins = profile.InputBins;
        return new(
            g,
            Num(score.Groups[g].Psi),
            Shares(DriftHistograms.Of(profile).Group(g, bins)),
            Shares(observed.Group(g, bins)),
            Num(score.Classes.Psi),
            Shares(profile.ClassCounts),
            Shares(observed.Classes),
            Num(score.Confidence.Psi),
            Shares(profile.ConfidenceCounts),
            Shares(observed.Confidence),
            Num(score.MeanConfidence),
            Num(score.ReferenceMeanConfidence));
    }

    private static double[] Shares(uint[] counts)
    {
        double total = Math.Max(1, counts.Sum(c => (double)c));
        return [.. counts.Select(c => c / total)];
    }

    private static double? Num(double v) => double.IsFinite(v) ? v : null;
}
