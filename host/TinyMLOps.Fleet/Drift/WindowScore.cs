namespace TinyMLOps.Fleet.Drift;

/// <summary>One score part against its noise floor: raw PSI, the floor's mean subtracted (excess), and whether it passes the rule.</summary>
public readonly record struct PartScore(double Psi, double Excess, NoiseFloor Floor, bool OverThreshold);

/// <summary>
/// The host's scores of one window (or of pooled windows) against the reference profile. <see cref="Drifted"/> is the
/// detection rule: enough samples, and some part's PSI above the threshold plus its noise floor's mean and above the
/// floor's high quantile.
/// </summary>
public sealed record WindowScore(
    bool Scored,
    long Samples,
    double Threshold,
    IReadOnlyList<PartScore> Groups,
    PartScore Classes,
    PartScore Confidence,
    double MeanConfidence,
    double ReferenceMeanConfidence)
{
    public int WorstGroup => Groups.Count == 0 ? 0 : Enumerable.Range(0, Groups.Count).MaxBy(g => Groups[g].Excess);

    /// <summary>The largest input-group excess over the noise floor.</summary>
    public double InputExcess => Groups.Count == 0 ? 0 : Groups.Max(g => g.Excess);

    /// <summary>Mean top-1 confidence minus the reference's: the accuracy proxy (negative when the model grows unsure).</summary>
    public double ConfidenceShift => MeanConfidence - ReferenceMeanConfidence;

    public bool Drifted => Scored && (Groups.Any(g => g.OverThreshold) || Classes.OverThreshold || Confidence.OverThreshold);

    /// <summary>Input groups over the threshold, worst first.</summary>
    public IReadOnlyList<int> DriftedGroups => [.. Enumerable.Range(0, Groups.Count).Where(g => Groups[g].OverThreshold).OrderByDescending(g => Groups[g].Excess)];

    public static WindowScore NotScored(long samples) => new(false, samples, 0, [], default, default, 0, 0);
}
