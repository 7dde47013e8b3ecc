namespace TinyMLOps.Fleet.Drift;

/// <summary>The host's drift detection rule (docs/drift.md).</summary>
public sealed record DriftDetectionOptions
{
    /// <summary>A window with fewer samples is stored but not judged (the device holds windows back below its own minimum too).</summary>
    public int MinSamples { get; init; } = 200;

    /// <summary>PSI threshold above the noise floor; null takes the profile's alarm threshold (0.2 by default).</summary>
    public double? Threshold { get; init; }

    /// <summary>Noise-only simulations per score part and sample size, for the floor's mean and quantile.</summary>
    public int Simulations { get; init; } = 1000;

    /// <summary>A score must also exceed this quantile of its noise-only distribution.</summary>
    public double NullQuantile { get; init; } = 0.999;

    /// <summary>
    /// Drifted windows in a row that open an alert. Two: a single window over the threshold happens by noise alone
    /// (about 0.4% of clean windows at the default epsilon, from the sparse confidence bins), two in a row almost never.
    /// </summary>
    public int ConsecutiveWindows { get; init; } = 2;

    /// <summary>A cohort is shown only with at least this many devices (privacy and statistical floor).</summary>
    public int MinCohortDevices { get; init; } = 5;

    /// <summary>A drop of the mean top-1 confidence by this much is reported as an accuracy warning.</summary>
    public double ConfidenceDrop { get; init; } = 0.1;

    public static DriftDetectionOptions Default { get; } = new();
}
