using System.Diagnostics;
using TinyMLOps.Firmware.Core.Protection;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>Per-inference cost of the extraction signals next to the inference they ride on, in microseconds (medians).</summary>
public sealed record QuerySignalReport(
    string ModelId,
    int Samples,
    double InferenceMicroseconds,
    double NoveltyMicroseconds,
    double DuplicatesMicroseconds,
    double ConfidenceMicroseconds,
    int SignalRamBytes)
{
    /// <summary>Everything the signals add per metered inference.</summary>
    public double SignalsMicroseconds => NoveltyMicroseconds + DuplicatesMicroseconds + ConfidenceMicroseconds;

    public double Overhead => SignalsMicroseconds / InferenceMicroseconds;
}

/// <summary>
/// Times the device's own signal code (<see cref="NoveltyScorer"/>, <see cref="NearDuplicates"/>, the classifier's top-1
/// confidence) per sample against the classification of the same samples, in one run. Medians over rounds of all
/// samples, the first round a warm-up. Figures for docs/benchmarks.md; never asserted in a test.
/// </summary>
public static class QuerySignalBenchmark
{
    public static QuerySignalReport Run(byte[] modelFile, ImageDataset images, int rounds = 5)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(images);
        var classifier = new Classifier(modelFile);
        var options = new QuerySignalOptions();
        var novelty = NoveltyScorer.ForModel(classifier.Interpreter.Model, options.NoveltyMarginNats)
            ?? throw new ArgumentException("the model has no drift profile, so no novelty score");
        var duplicates = new NearDuplicates(options.DuplicateRing, options.FingerprintSlices, options.FingerprintLevels);
        int length = images.PixelsPerImage;
        byte[] sample = new byte[length];
        var infer = new List<double>();
        var nov = new List<double>();
        var dup = new List<double>();
        var conf = new List<double>();
        double tick = Stopwatch.Frequency / 1_000_000.0;
        int sink = 0;
        for (int round = 0; round < rounds; round++)
        {
            long ti = 0, tn = 0, td = 0, tc = 0;
            for (int i = 0; i < images.Count; i++)
            {
                Array.Copy(images.Pixels, i * length, sample, 0, length);
                long t0 = Stopwatch.GetTimestamp();
                sink += classifier.Classify(sample, 0);
                long t1 = Stopwatch.GetTimestamp();
                sink += classifier.TopConfidence() < options.LowConfidence ? 1 : 0;
                long t2 = Stopwatch.GetTimestamp();
                sink += novelty.IsNovel(sample, 0) ? 1 : 0;
                long t3 = Stopwatch.GetTimestamp();
                sink += duplicates.Observe(sample, 0, length) ? 1 : 0;
                long t4 = Stopwatch.GetTimestamp();
                ti += t1 - t0;
                tc += t2 - t1;
                tn += t3 - t2;
                td += t4 - t3;
            }

            if (round > 0)
            {
                infer.Add(ti / tick / images.Count);
                conf.Add(tc / tick / images.Count);
                nov.Add(tn / tick / images.Count);
                dup.Add(td / tick / images.Count);
            }
        }

        GC.KeepAlive(sink);

        // The scorer's tables (a float and a count per histogram cell, 256 pixel codes) and the duplicate ring.
        var layoutCells = classifier.Interpreter.Model.DriftProfile!.InputCounts.Length;
        int ram = (layoutCells * 8) + 256 + (options.DuplicateRing * options.FingerprintSlices) + options.FingerprintSlices;
        return new QuerySignalReport(classifier.ModelId, images.Count, Median(infer), Median(nov), Median(dup), Median(conf), ram);
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples.Count == 0 ? double.NaN : samples[samples.Count / 2];
    }
}
