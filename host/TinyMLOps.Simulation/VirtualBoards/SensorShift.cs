namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A change in what a virtual board's sensor sees, from a point in simulated time on: a covariate shift (the
/// camera gets brighter or flatter, noisier, or turned) and/or a label shift (the board sees a skewed mix of classes).
/// </summary>
public sealed record SensorShift
{
    /// <summary>Simulated time since the fleet started at which the shift begins.</summary>
    public TimeSpan At { get; init; }

    /// <summary>Added to every raw value (0..255 scale) after the contrast change.</summary>
    public double Brightness { get; init; }

    /// <summary>Contrast factor around mid-grey (1 = unchanged).</summary>
    public double Contrast { get; init; } = 1;

    /// <summary>Standard deviation of Gaussian noise added per value (0..255 scale).</summary>
    public double NoiseSd { get; init; }

    /// <summary>Rotation of the image about its centre, in degrees.</summary>
    public double RotationDegrees { get; init; }

    /// <summary>Gain on raw int16 signals (a microphone's or accelerometer's sensitivity; 1 = unchanged).</summary>
    public double SignalGain { get; init; } = 1;

    /// <summary>RMS of white noise added to raw int16 signals, in counts (a noisy room, a worn sensor).</summary>
    public double SignalNoise { get; init; }

    /// <summary>Relative class frequencies for a label shift (null: the partition's own mix).</summary>
    public IReadOnlyList<double>? ClassWeights { get; init; }

    public bool IsCovariate => Brightness != 0 || Contrast != 1 || NoiseSd > 0 || RotationDegrees != 0 || SignalGain != 1 || SignalNoise > 0;

    public string Describe()
    {
        var parts = new List<string>();
        if (Brightness != 0)
        {
            parts.Add($"brightness {Brightness:+0;-0}");
        }

        if (Contrast != 1)
        {
            parts.Add($"contrast x{Contrast:0.##}");
        }

        if (NoiseSd > 0)
        {
            parts.Add($"noise sd {NoiseSd:0}");
        }

        if (RotationDegrees != 0)
        {
            parts.Add($"rotation {RotationDegrees:0} deg");
        }

        if (SignalGain != 1)
        {
            parts.Add($"signal gain x{SignalGain:0.##}");
        }

        if (SignalNoise > 0)
        {
            parts.Add($"signal noise {SignalNoise:0} rms");
        }

        if (ClassWeights != null)
        {
            parts.Add("label mix " + string.Join('/', ClassWeights.Select(w => w.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture))));
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
