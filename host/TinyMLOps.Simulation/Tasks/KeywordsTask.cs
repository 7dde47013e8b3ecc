using System.Runtime.CompilerServices;
using System.Text.Json;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>
/// Spoken keywords (docs/tasks.md, "Keywords"): 1 s clips at 16 kHz, ten keywords with _unknown_ and _silence_, through
/// the device's fixed-point MFCC (49 frames x 10 coefficients) into small MLPs and CNNs. The data is a WAV class-folder
/// corpus (train/ and test/ parts, or a seeded split) or, without one, a corpus generated with espeak-ng and sox into a
/// cache folder keyed by its plan. A generated corpus holds one voice (<see cref="NewVoice"/>) out of the splits: the
/// federated scenario's new speaker.
/// </summary>
public sealed class KeywordsTask : TaskDefinition
{
    public const string TaskId = "keywords";

    /// <summary>The espeak-ng voice (accent) no split holds: the new speaker boards personalise to.</summary>
    public const string NewVoice = "en-029";

    /// <summary>The share held out by the seeded split of a user's corpus without train/ and test/ parts.</summary>
    public const double Holdout = 0.2;

    /// <summary>Names the cache folder's root: generated corpora go below it (default: $XDG_CACHE_HOME or ~/.cache, then tinymlops).</summary>
    public const string CacheVariable = "TINYMLOPS_CACHE";

    private const int CalibrationClips = 500;

    private static readonly ConditionalWeakTable<TaskSplits, SignalSet> NewVoices = new();

    public static KeywordsTask Instance { get; } = new();

    public override string Id => TaskId;

    public override string Title => "Spoken keywords (1 s at 16 kHz, MFCC 49x10, 10 words + unknown + silence)";

    public override string SampleNoun => "clips";

    public override int DefaultEpochs => 15;

    /// <summary>
    /// Adam at a constant 1e-3 in batches of 16: the zoo's image recipes (batches of 64, decayed per epoch) stop
    /// learning before a corpus of a few thousand unnormalised MFCC clips (c0 down to -70) is fitted.
    /// </summary>
    public static TrainingOptions Recipe => new() { LearningRate = 1e-3f, LearningRateDecay = 1f, BatchSize = 16 };

    /// <summary>MLPs and CNNs at three widths on the 49x10 MFCC; the narrowest of each fits an ESP32-C3's 44 KB.</summary>
    public override IReadOnlyList<VariantSpec> Family { get; } =
    [
        new("mlp-w0.25", "mlp", 0.25) { Recipe = Recipe },
        new("mlp-w0.5", "mlp", 0.5) { Recipe = Recipe },
        new("mlp-w1", "mlp", 1) { Recipe = Recipe },
        new("cnn-w0.25", "cnn", 0.25) { Recipe = Recipe },
        new("cnn-w0.5", "cnn", 0.5) { Recipe = Recipe },
        new("cnn-w1", "cnn", 1) { Recipe = Recipe },
    ];

    /// <summary>The generated corpus's plan: 200 train and 50 test clips per class, or 80 and 20 when small.</summary>
    public static KeywordCorpusPlan Plan(TaskLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Small ? new KeywordCorpusPlan(options.Seed, 80, 20) : new KeywordCorpusPlan(options.Seed, 200, 50);
    }

    /// <summary>Where the corpus of <paramref name="plan"/> is cached: one folder per seed and size.</summary>
    public static string CacheFolder(KeywordCorpusPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        string? root = Environment.GetEnvironmentVariable(CacheVariable);
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            root = Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg, "tinymlops");
        }

        int train = plan.Clips.Count(c => c.Split == "train"), test = plan.Clips.Count - train;
        return Path.Combine(root, "keywords", $"seed{plan.Seed}-train{train}-test{test}");
    }

    public override FrontEnd CreateFrontEnd() => AudioFeatures.KeywordMfcc();

    public override DriftGroups DriftGroupsFor(int inputH, int inputW, int inputC) => DriftGroups.Columns(inputW, "MFCC coefficients");

    public override TaskSplits Load(TaskLoadOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TaskSplits splits;
        SignalSet? newVoice = null;
        if (options.Data != null)
        {
            splits = LoadFolder(options, progress);
        }
        else
        {
            (splits, newVoice) = LoadGenerated(options, progress);
        }

        if (newVoice != null)
        {
            NewVoices.AddOrUpdate(splits, newVoice);
        }

        return splits;
    }

    /// <summary>The clips of the voice held out of <paramref name="splits"/> (both parts of a generated corpus), or null for a user's corpus.</summary>
    public static SignalSet? NewVoiceClips(TaskSplits splits) => NewVoices.TryGetValue(splits, out SignalSet? set) ? set : null;

    /// <summary>Clips in [-1, 1] to a set of int16 windows with the device's fixed-point MFCC as model input.</summary>
    public static SignalSet ToSignalSet(string name, IReadOnlyList<float[]> clips, int[] labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(clips);
        Mfcc mfcc = AudioFeatures.KeywordMfcc();
        short[][] pcm = [.. clips.Select(c => AudioFeatures.ToPcm(c, mfcc.ClipSamples))];
        float[][] features = AudioFeatures.Compute(mfcc, clips, fixedPoint: true);
        return new SignalSet(name, mfcc.SampleRate, 1, pcm, labels, classNames, mfcc.OutH, mfcc.OutW, mfcc.OutC, features);
    }

    private TaskSplits LoadFolder(TaskLoadOptions options, IProgress<string>? progress)
    {
        string dir = options.Data!;
        Mfcc mfcc = AudioFeatures.KeywordMfcc();
        var read = new DataSetOptions(1, mfcc.ClipSamples, 1) { SampleRate = mfcc.SampleRate, Holdout = Holdout, SplitSeed = options.Seed };
        DataSplit split = DataSetLoader.Open(dir, read);
        progress?.Report($"WAV clips from {dir} ({split.How}): {split.Train.Count:N0} to train, {split.Test.Count:N0} held out");
        foreach (var skipped in split.Skipped.Take(10))
        {
            progress?.Report($"skipped {skipped}");
        }

        SignalSet train = ToSignalSet($"{TaskId} train", split.Train.Samples, split.Train.RequireLabels(), split.Train.ClassNames);
        SignalSet test = ToSignalSet($"{TaskId} held out", split.Test.Samples, split.Test.RequireLabels(), split.Test.ClassNames);
        return Splits(train, test, options, dir);
    }

    private (TaskSplits Splits, SignalSet NewVoice) LoadGenerated(TaskLoadOptions options, IProgress<string>? progress)
    {
        KeywordCorpusPlan plan = Plan(options);
        string dir = CacheFolder(plan);
        string manifestPath = Path.Combine(dir, KeywordCorpus.ManifestFile);
        if (!File.Exists(manifestPath))
        {
            // Generated beside the cache folder and moved in whole, so an interrupted run leaves nothing to reuse.
            progress?.Report($"generating {plan.Clips.Count:N0} clips with espeak-ng and sox into {dir}");
            string work = $"{dir}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
            KeywordCorpus.Generate(work, plan, progress: line => progress?.Report(line), every: 200);
            Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
            try
            {
                Directory.Move(work, dir);
            }
            catch (IOException) when (File.Exists(manifestPath))
            {
                // Another run cached the same plan first: its clips are the same.
                Directory.Delete(work, recursive: true);
            }
        }
        else
        {
            progress?.Report($"cached corpus {dir}");
        }

        var manifest = JsonSerializer.Deserialize<KeywordCorpusManifest>(File.ReadAllText(manifestPath), KeywordCorpus.Json)
            ?? throw new InvalidDataException($"{manifestPath}: empty manifest");
        List<string> classes = [.. manifest.Classes];
        var parts = new Dictionary<string, (List<float[]> Clips, List<int> Labels)>
        {
            ["train"] = ([], []),
            ["test"] = ([], []),
            ["voice"] = ([], []),
        };
        foreach (var file in manifest.Files)
        {
            string part = file.Clip.Voice == NewVoice ? "voice" : file.Clip.Split;
            Waveform wave = WavFolderLoader.Read(File.ReadAllBytes(Path.Combine(dir, file.Path)));
            parts[part].Clips.Add(wave.Samples);
            parts[part].Labels.Add(classes.IndexOf(file.Clip.Class));
        }

        SignalSet Part(string key, string name) => ToSignalSet(name, parts[key].Clips, [.. parts[key].Labels], classes);
        // The new voice's clips are shuffled too: each of its boards hears every word.
        SignalSet train = Part("train", $"{TaskId} train"), test = Part("test", $"{TaskId} held out"), voice = Part("voice", $"{TaskId} new voice {NewVoice}");
        progress?.Report($"{train.Count:N0} clips to train, {test.Count:N0} held out (speakers not in training), {voice.Count:N0} of the new voice {NewVoice}");
        return (Splits(train, test, options, dir), Shuffle(voice, options.Seed + 2));
    }

    private static TaskSplits Splits(SignalSet train, SignalSet test, TaskLoadOptions options, string source)
    {
        // Seeded shuffles: the folders come in class order, and a board's slice of the held-out set must hear every class.
        train = Shuffle(train, options.Seed);
        test = Shuffle(test, options.Seed + 1);
        if (options.TrainLimit > 0 && options.TrainLimit < train.Count)
        {
            // Spread over the set, which is ordered by class.
            train = train.Subset([.. Enumerable.Range(0, options.TrainLimit).Select(i => (int)((long)i * train.Count / options.TrainLimit))], $"{train.Name}[{options.TrainLimit} of {train.Count}]");
        }

        // Calibration: an even spread of the training clips (every class), as PTQ calibrates on training data.
        int step = Math.Max(1, train.Count / CalibrationClips);
        SignalSet calibration = train.Subset([.. Enumerable.Range(0, train.Count).Where(i => i % step == 0).Take(CalibrationClips)], $"{TaskId} calibration");
        return new TaskSplits(train, calibration, test, source);
    }

    private static SignalSet Shuffle(SignalSet set, int seed)
    {
        int[] order = [.. Enumerable.Range(0, set.Count)];
        new Random(seed).Shuffle(order);
        return set.Subset(order, set.Name);
    }
}
