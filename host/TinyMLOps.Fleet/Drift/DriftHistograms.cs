using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Drift;

/// <summary>Observed histograms of one window or of several pooled (summed), with the samples behind them.</summary>
public sealed record DriftHistograms(uint[] Input, uint[] Classes, uint[] Confidence, long Samples, int Windows, double NoiseScale)
{
    public static DriftHistograms Of(DriftPayload window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return new(window.InputCounts, window.ClassCounts, window.ConfidenceCounts, window.SampleCount, 1, window.Epsilon > 0 ? DriftMath.NoiseScale(window.Groups, window.Epsilon) : 0);
    }

    public static DriftHistograms Of(DriftProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new(profile.InputCounts, profile.ClassCounts, profile.ConfidenceCounts, profile.SampleCount, 0, 0);
    }

    /// <summary>Sums windows of one layout; their noise adds, so the pooled scale is the root mean square of theirs.</summary>
    public static DriftHistograms Pool(IReadOnlyList<DriftPayload> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            throw new ArgumentException("nothing to pool", nameof(windows));
        }

        var first = windows[0];
        var input = new uint[first.InputCounts.Length];
        var classes = new uint[first.ClassCounts.Length];
        var confidence = new uint[first.ConfidenceCounts.Length];
        long samples = 0;
        double squares = 0;
        foreach (var w in windows)
        {
            if (w.InputCounts.Length != input.Length || w.ClassCounts.Length != classes.Length || w.ConfidenceCounts.Length != confidence.Length)
            {
                throw new ArgumentException("windows of different layouts cannot be pooled", nameof(windows));
            }

            Add(input, w.InputCounts);
            Add(classes, w.ClassCounts);
            Add(confidence, w.ConfidenceCounts);
            samples += w.SampleCount;
            double scale = w.Epsilon > 0 ? DriftMath.NoiseScale(w.Groups, w.Epsilon) : 0;
            squares += scale * scale;
        }

        return new(input, classes, confidence, samples, windows.Count, Math.Sqrt(squares / windows.Count));
    }

    /// <summary>Counts of one input group (its B bins).</summary>
    public uint[] Group(int group, int bins) => Input[(group * bins)..((group + 1) * bins)];

    private static void Add(uint[] into, uint[] counts)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] += counts[i];
        }
    }
}
