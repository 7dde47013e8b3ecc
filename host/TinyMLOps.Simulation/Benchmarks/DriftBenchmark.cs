using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>What the drift evaluation runs: a fleet, its shifts, and the upload noise.</summary>
public sealed record DriftBenchmarkOptions
{
    public int Devices { get; init; } = 500;

    /// <summary>Fraction of devices that get a covariate shift.</summary>
    public double CovariateFraction { get; init; } = 0.2;

    /// <summary>Fraction of devices that get a label shift (disjoint from the covariate ones).</summary>
    public double LabelFraction { get; init; } = 0.03;

    /// <summary>Clean windows (simulated hours) before the shift: a simulated day.</summary>
    public int WindowsBefore { get; init; } = 24;

    /// <summary>Windows after the shift; detection counts within <see cref="Deadline"/> of them.</summary>
    public int WindowsAfter { get; init; } = 6;

    public int Deadline { get; init; } = 3;

    public double InferencesPerMinute { get; init; } = 6;

    public int WindowSeconds { get; init; } = 3600;

    /// <summary>Upload noise epsilon (0: none).</summary>
    public double Epsilon { get; init; }

    /// <summary>Images each device's sensor loops over (a slice of the test set at a seeded offset).</summary>
    public int PartitionImages { get; init; } = 2000;

    public int Seed { get; init; } = 2025;

    public DriftDetectionOptions Detection { get; init; } = DriftDetectionOptions.Default;
}

/// <summary>One device's outcome: its shift (null when clean), and the first window after the shift that was flagged.</summary>
public sealed record DriftDeviceOutcome(string DeviceId, SensorShift? Shift, int? FirstFlaggedAfterShift, int FlaggedBeforeShift, int FlaggedInDeadline, long UplinkBytes, long Inferences);

/// <summary>The evaluation's figures for one epsilon.</summary>
public sealed record DriftBenchmarkReport(DriftBenchmarkOptions Options, IReadOnlyList<DriftDeviceOutcome> Devices, double Seconds, long InputBytesPerSample)
{
    public IEnumerable<DriftDeviceOutcome> Shifted => Devices.Where(d => d.Shift != null);

    public IEnumerable<DriftDeviceOutcome> Clean => Devices.Where(d => d.Shift == null);

    /// <summary>Shifted devices flagged within the deadline (windows after the shift).</summary>
    public double DetectionRate => Rate(Shifted, d => d.FirstFlaggedAfterShift is { } w && w < Options.Deadline);

    public double CovariateDetectionRate => Rate(Shifted.Where(d => d.Shift!.IsCovariate), d => d.FirstFlaggedAfterShift is { } w && w < Options.Deadline);

    public double LabelDetectionRate => Rate(Shifted.Where(d => !d.Shift!.IsCovariate), d => d.FirstFlaggedAfterShift is { } w && w < Options.Deadline);

    /// <summary>Clean devices flagged at least once in the same period (the deadline's windows after the shift day).</summary>
    public double FalseAlarmRate => Rate(Clean, d => d.FlaggedInDeadline > 0);

    /// <summary>Clean devices flagged at least once over the whole run (stricter).</summary>
    public double FalseAlarmRateWholeRun => Rate(Clean, d => d.FlaggedBeforeShift > 0 || d.FirstFlaggedAfterShift != null);

    /// <summary>Detection delay in windows (1 = the first window after the shift) → devices; 0 = never within the run.</summary>
    public IReadOnlyDictionary<int, int> DelayHistogram =>
        Shifted.GroupBy(d => d.FirstFlaggedAfterShift is { } w ? w + 1 : 0).OrderBy(g => g.Key == 0 ? int.MaxValue : g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Drift window bytes a device uploads per simulated day.</summary>
    public double UplinkBytesPerDeviceDay => Devices.Average(d => d.UplinkBytes) * 24.0 / (Options.WindowsBefore + Options.WindowsAfter) * 3600 / Options.WindowSeconds;

    /// <summary>Raw input bytes a device would upload per simulated day instead.</summary>
    public double RawBytesPerDeviceDay => Devices.Average(d => d.Inferences) * InputBytesPerSample * 24.0 / (Options.WindowsBefore + Options.WindowsAfter) * 3600 / Options.WindowSeconds;

    public double BytesRatio => RawBytesPerDeviceDay / UplinkBytesPerDeviceDay;

    private static double Rate(IEnumerable<DriftDeviceOutcome> set, Func<DriftDeviceOutcome, bool> hit)
    {
        var list = set.ToList();
        return list.Count == 0 ? double.NaN : list.Count(hit) / (double)list.Count;
    }
}

/// <summary>
/// The drift evaluation, in simulated time without MQTT: each virtual device runs the device's
/// <see cref="DriftMonitor"/> over its sensor (a seeded slice of real held-out images through the int8
/// model), finishes hourly windows, and the host scores every window as it would arrive (encoded and decoded). After
/// <see cref="DriftBenchmarkOptions.WindowsBefore"/> windows a seeded share of devices gets a covariate shift
/// (brightness, contrast, noise or rotation) and a few a label shift. Clean images are classified once and cached
/// (their input, class and confidence do not change); shifted ones run through the model live.
/// </summary>
public static class DriftBenchmark
{
    /// <summary>The covariate shifts handed out in turn.</summary>
    public static IReadOnlyList<SensorShift> CovariateShifts { get; } =
    [
        new() { Brightness = 40 },
        new() { Contrast = 0.6 },
        new() { NoiseSd = 25 },
        new() { RotationDegrees = 15 },
    ];

    public static DriftBenchmarkReport Run(byte[] modelFile, ImageDataset test, DriftBenchmarkOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var classifier = new Classifier(modelFile);
        Int8Model model = classifier.Interpreter.Model;
        DriftProfile profile = model.DriftProfile ?? throw new ArgumentException("the model has no drift profile", nameof(modelFile));
        int n = model.InputElements;

        // Clean images: quantized input, class and confidence, once.
        progress?.Report($"classifying {test.Count:N0} clean images");
        var quantizer = new InputQuantizer(model);
        var inputs = new sbyte[test.Count * n];
        var predicted = new int[test.Count];
        var confidence = new int[test.Count];
        var raw = new byte[n];
        var one = new sbyte[n];
        for (int i = 0; i < test.Count; i++)
        {
            test.Image(i).CopyTo(raw);
            quantizer.Quantize(raw, 0, one, n);
            Array.Copy(one, 0, inputs, i * n, n);
            predicted[i] = classifier.Classify(raw, 0);
            confidence[i] = classifier.TopConfidence();
        }

        // Seeded roles: the first covariate share of a shuffled order, then the label share.
        var random = new Random(options.Seed);
        int[] order = [.. Enumerable.Range(0, options.Devices).OrderBy(_ => random.Next())];
        int covariate = (int)Math.Round(options.Devices * options.CovariateFraction);
        int label = Math.Max(options.LabelFraction > 0 ? 1 : 0, (int)Math.Round(options.Devices * options.LabelFraction));
        var shifts = new SensorShift?[options.Devices];
        for (int k = 0; k < covariate + label && k < options.Devices; k++)
        {
            int d = order[k];
            if (k < covariate)
            {
                shifts[d] = CovariateShifts[k % CovariateShifts.Count];
            }
            else
            {
                int dominant = random.Next(test.ClassCount);
                shifts[d] = new SensorShift { ClassWeights = [.. Enumerable.Range(0, test.ClassCount).Select(c => c == dominant ? 6.0 : 0.45)] };
            }
        }

        var scorer = new DriftScorer(options.Detection);
        var outcomes = new DriftDeviceOutcome[options.Devices];
        int done = 0;
        Parallel.For(0, options.Devices, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, d =>
        {
            outcomes[d] = RunDevice(d, modelFile, test, profile, inputs, predicted, confidence, shifts[d], options, scorer);
            int finished = Interlocked.Increment(ref done);
            if (finished % 50 == 0)
            {
                progress?.Report($"{finished} of {options.Devices} devices");
            }
        });

        return new DriftBenchmarkReport(options, outcomes, clock.Elapsed.TotalSeconds, n);
    }

    private static DriftDeviceOutcome RunDevice(int d, byte[] modelFile, ImageDataset test, DriftProfile profile, sbyte[] inputs, int[] predicted, int[] confidence, SensorShift? shift, DriftBenchmarkOptions options, DriftScorer scorer)
    {
        string id = $"drift-{d:D4}";
        var random = new Random(options.Seed * 7919 + d);
        int start = random.Next(Math.Max(1, test.Count - options.PartitionImages));
        var partition = test.Slice(start, Math.Min(options.PartitionImages, test.Count - start));
        var sensor = new DatasetSensor(partition);
        var model = ModelReader.Read(modelFile);
        var monitor = new DriftMonitor(profile, model.InputH, model.InputW, model.InputC, new DriftOptions { WindowSeconds = options.WindowSeconds, Epsilon = (float)options.Epsilon }, new Random(random.Next()));
        monitor.TakeWindow(0, model.VariantId ?? ""); // the first window starts at boot
        Classifier? live = null;
        InputQuantizer? quantizer = null;
        int n = model.InputElements;
        var raw = new byte[n];
        var shifted = new sbyte[n];
        var scratch = new byte[n];
        var noise = new Random(random.Next());

        long intervalMillis = (long)(60_000 / options.InferencesPerMinute);
        int totalWindows = options.WindowsBefore + options.WindowsAfter;
        long shiftAt = (long)options.WindowsBefore * options.WindowSeconds * 1000;
        long endAt = (long)totalWindows * options.WindowSeconds * 1000;
        bool active = false;
        int flaggedBefore = 0, flaggedInDeadline = 0;
        int? first = null;
        long bytes = 0, inferences = 0;
        int windowIndex = 0;
        int run = 0;
        for (long now = intervalMillis; now <= endAt + 1; now += intervalMillis)
        {
            if (!active && shift != null && now > shiftAt)
            {
                active = true;
                if (shift.ClassWeights != null)
                {
                    sensor.SkewClasses(shift.ClassWeights, new Random(random.Next()));
                }
            }

            sensor.Read(raw);
            int index = start + sensor.LastIndex;
            inferences++;
            if (active && shift!.IsCovariate)
            {
                live ??= new Classifier(modelFile);
                quantizer ??= new InputQuantizer(model);
                CovariateShift.Apply(shift, raw, model.InputH, model.InputW, model.InputC, noise, scratch);
                quantizer.Quantize(raw, 0, shifted, n);
                int c = live.Classify(raw, 0);
                monitor.Observe(shifted, 0, n, c, live.TopConfidence());
            }
            else
            {
                monitor.Observe(inputs, index * n, n, predicted[index], confidence[index]);
            }

            DriftPayload? window = monitor.TakeWindow(now, model.VariantId ?? "");
            if (window == null)
            {
                continue;
            }

            // As the host receives it.
            byte[] wire = window.Encode();
            bytes += wire.Length;
            var score = scorer.Score(profile, DriftPayload.Decode(wire));
            int after = windowIndex - options.WindowsBefore;

            // The device alert's rule: enough drifted windows in a row.
            run = score.Drifted ? run + 1 : (score.Scored ? 0 : run);
            if (run >= options.Detection.ConsecutiveWindows)
            {
                if (after < 0)
                {
                    flaggedBefore++;
                }
                else
                {
                    first ??= after;
                    if (after < options.Deadline)
                    {
                        flaggedInDeadline++;
                    }
                }
            }

            windowIndex++;
        }

        return new DriftDeviceOutcome(id, shift, first, flaggedBefore, flaggedInDeadline, bytes, inferences);
    }
}
