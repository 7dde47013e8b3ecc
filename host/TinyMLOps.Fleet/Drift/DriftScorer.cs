using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Fleet.Drift;

/// <summary>
/// Scores (noised) drift histograms against a variant's reference profile with <see cref="DriftMath"/>, the code the
/// device runs, and corrects each part for the PSI that sampling and the upload noise produce on their own. Noise
/// floors are simulated once per profile, sample size (rounded down to two significant digits, which errs high) and
/// noise scale, then cached.
/// </summary>
public sealed class DriftScorer
{
    private readonly DriftDetectionOptions _options;
    private readonly ConditionalWeakTable<DriftProfile, ConcurrentDictionary<(long Samples, double Scale, int Windows), NoiseFloor[]>> _floors = [];

    public DriftScorer(DriftDetectionOptions? options = null)
    {
        _options = options ?? DriftDetectionOptions.Default;
    }

    public DriftDetectionOptions Options => _options;

    /// <summary>Scores one window as it arrived.</summary>
    public WindowScore Score(DriftProfile reference, TinyMLOps.Shared.Protocol.DriftPayload window)
    {
        ArgumentNullException.ThrowIfNull(window);
        double scale = window.Epsilon > 0 ? DriftMath.NoiseScale(window.Groups, window.Epsilon) : 0;
        return Score(reference, window.InputCounts, window.ClassCounts, window.ConfidenceCounts, window.SampleCount, scale, 1);
    }

    /// <summary>Scores histograms (one window, or several summed) laid out like the reference.</summary>
    /// <param name="noiseScale">Laplace scale per count of each window (0: none).</param>
    /// <param name="windows">How many windows were summed (their noise adds).</param>
    public WindowScore Score(DriftProfile reference, uint[] input, uint[] classes, uint[] confidence, long samples, double noiseScale, int windows)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(confidence);
        if (input.Length != reference.Groups * reference.InputBins || classes.Length != reference.Classes || confidence.Length != reference.ConfidenceBins)
        {
            throw new ArgumentException($"the histograms ({input.Length} input cells, {classes.Length} classes, {confidence.Length} confidence bins) do not match the profile's layout");
        }

        if (samples < _options.MinSamples)
        {
            return WindowScore.NotScored(samples);
        }

        double threshold = _options.Threshold ?? (reference.AlarmPsiMilli / 1000.0);
        NoiseFloor[] floors = Floors(reference, samples, noiseScale, windows);
        int bins = reference.InputBins;
        var groups = new PartScore[reference.Groups];
        for (int g = 0; g < groups.Length; g++)
        {
            groups[g] = Part(DriftMath.Psi(input, reference.InputCounts, g * bins, bins), floors[g], threshold);
        }

        return new WindowScore(
            true,
            samples,
            threshold,
            groups,
            Part(DriftMath.Psi(classes, reference.ClassCounts, 0, reference.Classes), floors[reference.Groups], threshold),
            Part(DriftMath.Psi(confidence, reference.ConfidenceCounts, 0, reference.ConfidenceBins), floors[reference.Groups + 1], threshold),
            MeanConfidence(confidence),
            MeanConfidence(reference.ConfidenceCounts));
    }

    /// <summary>Mean top-1 confidence in [0, 1] from a confidence histogram (bin centres).</summary>
    public static double MeanConfidence(uint[] confidence)
    {
        ArgumentNullException.ThrowIfNull(confidence);
        double sum = 0, n = 0;
        for (int k = 0; k < confidence.Length; k++)
        {
            sum += confidence[k] * (k + 0.5) / confidence.Length;
            n += confidence[k];
        }

        return n == 0 ? 0 : sum / n;
    }

    private static PartScore Part(double psi, NoiseFloor floor, double threshold)
    {
        double excess = Math.Max(0, psi - floor.Mean);
        return new PartScore(psi, excess, floor, excess > threshold && psi > floor.Quantile);
    }

    private NoiseFloor[] Floors(DriftProfile reference, long samples, double noiseScale, int windows)
    {
        long rounded = RoundDown(samples);
        var cache = _floors.GetValue(reference, _ => new());
        return cache.GetOrAdd((rounded, Math.Round(noiseScale, 3), windows), key =>
        {
            int bins = reference.InputBins;
            var floors = new NoiseFloor[reference.Groups + 2];
            for (int g = 0; g < reference.Groups; g++)
            {
                // The device counts one element drawn from each group per sample, so a group's window is a multinomial of N draws.
                floors[g] = NoiseFloors.Simulate(reference.InputCounts, g * bins, bins, 1, key.Samples, noiseScale, windows, _options.Simulations, _options.NullQuantile, 1000 + g);
            }

            floors[reference.Groups] = NoiseFloors.Simulate(reference.ClassCounts, 0, reference.Classes, 1, key.Samples, noiseScale, windows, _options.Simulations, _options.NullQuantile, 17);
            floors[reference.Groups + 1] = NoiseFloors.Simulate(reference.ConfidenceCounts, 0, reference.ConfidenceBins, 1, key.Samples, noiseScale, windows, _options.Simulations, _options.NullQuantile, 29);
            return floors;
        });
    }

    // Two significant digits, rounded down: fewer samples give a higher floor.
    private static long RoundDown(long n)
    {
        long step = 1;
        while (n / step >= 100)
        {
            step *= 10;
        }

        return n / step * step;
    }
}
