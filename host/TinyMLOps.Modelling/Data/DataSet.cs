using System.Globalization;

namespace TinyMLOps.Modelling.Data;

/// <summary>A data set the user's files cannot give: the message is one line naming the path and the problem.</summary>
public sealed class DataSetException : FormatException
{
    public DataSetException(string message)
        : base(message)
    {
    }
}

/// <summary>A file (or one row of it, when <see cref="Line"/> is set) left out of a data set, and why.</summary>
public sealed record SkippedFile(string Path, string Reason, int Line = 0)
{
    public override string ToString() => Line > 0 ? $"{Path}:{Line}: {Reason}" : $"{Path}: {Reason}";
}

/// <summary>
/// Samples read from the user's files, each a float[] of H·W·C values in the model's input order (HWC, the layout
/// of the source resolved), with integer class labels, float targets or neither, the class names, where they came
/// from and what was left out. Every verb that reads data (calibration, eval, predict) takes one of these.
/// </summary>
public sealed class DataSet
{
    public DataSet(
        string source,
        string format,
        int height,
        int width,
        int channels,
        IReadOnlyList<float[]> samples,
        int[]? labels,
        float[]? targets,
        IReadOnlyList<string> classNames,
        IReadOnlyList<SkippedFile> skipped,
        string split = "all samples")
    {
        ArgumentNullException.ThrowIfNull(samples);
        int size = height * width * channels;
        for (int i = 0; i < samples.Count; i++)
        {
            if (samples[i].Length != size)
            {
                throw new ArgumentException($"sample {i} of {source} has {samples[i].Length} values, the input takes {size}");
            }
        }

        if ((labels != null && labels.Length != samples.Count) || (targets != null && targets.Length != samples.Count))
        {
            throw new ArgumentException($"{source}: {samples.Count} samples but {labels?.Length ?? targets!.Length} labels");
        }

        Source = source;
        Format = format;
        Height = height;
        Width = width;
        Channels = channels;
        Samples = samples;
        Labels = labels;
        Targets = targets;
        ClassNames = classNames;
        Skipped = skipped;
        Split = split;
    }

    /// <summary>The path the samples came from.</summary>
    public string Source { get; }

    /// <summary>How they were read: "image folder (PNG)", "CSV table", ...</summary>
    public string Format { get; }

    public int Height { get; }

    public int Width { get; }

    public int Channels { get; }

    /// <summary>One float[] of H·W·C values per sample, in HWC order.</summary>
    public IReadOnlyList<float[]> Samples { get; }

    /// <summary>The class of each sample, or null when the source has none (or has float targets).</summary>
    public int[]? Labels { get; }

    /// <summary>A float target per sample (a regression column), or null.</summary>
    public float[]? Targets { get; }

    /// <summary>Class names by index: folder names in sorted order, a CSV's label values, or numbers.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Files and rows left out, each with its one-line reason.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; }

    /// <summary>Which part this is: "all samples", "train/ folder", "training part of a seeded split (seed 1, 20 % held out)".</summary>
    public string Split { get; }

    public int Count => Samples.Count;

    /// <summary>A labelled data set's labels; throws a one-line error naming the source when it has none.</summary>
    public int[] RequireLabels(string hint = "") => Labels ?? throw new DataSetException($"{Source}: no class labels in this {Format}{hint}");

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public DataSet Subset(IReadOnlyList<int> indices, string split) => new(
        Source,
        Format,
        Height,
        Width,
        Channels,
        [.. indices.Select(i => Samples[i])],
        Labels == null ? null : [.. indices.Select(i => Labels[i])],
        Targets == null ? null : [.. indices.Select(i => Targets[i])],
        ClassNames,
        Skipped,
        split);

    /// <summary>
    /// The labels renumbered to <paramref name="modelLabels"/> when the data's class names are the same set in another
    /// order (folders sort alphabetically, a model's metadata may not); otherwise this data set unchanged.
    /// </summary>
    public DataSet AlignTo(IReadOnlyList<string>? modelLabels)
    {
        if (Labels == null || modelLabels == null || modelLabels.Count != ClassNames.Count || ClassNames.SequenceEqual(modelLabels)
            || !ClassNames.Order(StringComparer.Ordinal).SequenceEqual(modelLabels.Order(StringComparer.Ordinal)))
        {
            return this;
        }

        int[] map = [.. ClassNames.Select(n => modelLabels.ToList().IndexOf(n))];
        return new DataSet(Source, Format, Height, Width, Channels, Samples, [.. Labels.Select(l => map[l])], Targets, modelLabels, Skipped, Split);
    }

    /// <summary>The same samples with other class names (as many as the labels need, at least).</summary>
    public DataSet WithClassNames(IReadOnlyList<string> names) =>
        new(Source, Format, Height, Width, Channels, Samples, Labels, Targets, names, Skipped, Split);

    /// <summary>
    /// A seeded split: <paramref name="fraction"/> of the samples (of each class, when labelled, so the classes keep
    /// their shares) held out, chosen by a shuffle with System.Random(<paramref name="seed"/>), which gives the same
    /// split on every machine and .NET version. Both parts keep the file order.
    /// </summary>
    public (DataSet Train, DataSet HeldOut) SplitHoldout(double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentException($"held-out fraction {fraction.ToString(CultureInfo.InvariantCulture)} is not between 0 and 1");
        }

        var random = new Random(seed);
        var heldOut = new bool[Count];
        IEnumerable<IGrouping<int, int>> groups = Enumerable.Range(0, Count).GroupBy(i => Labels?[i] ?? 0).OrderBy(g => g.Key);
        foreach (var group in groups)
        {
            int[] members = [.. group];
            random.Shuffle(members);
            int take = (int)Math.Round(members.Length * fraction, MidpointRounding.AwayFromZero);
            foreach (int i in members.Take(take))
            {
                heldOut[i] = true;
            }
        }

        string how = $"seed {seed}, {fraction.ToString("P0", CultureInfo.InvariantCulture)} held out{(Labels != null ? " per class" : "")}";
        return (
            Subset([.. Enumerable.Range(0, Count).Where(i => !heldOut[i])], $"training part of a seeded split ({how})"),
            Subset([.. Enumerable.Range(0, Count).Where(i => heldOut[i])], $"held-out part of a seeded split ({how})"));
    }

    /// <summary>One line: how many samples, classes and skipped files, from where, which part.</summary>
    public string Summary()
    {
        string what = Labels != null ? $", {ClassNames.Count} classes ({string.Join(", ", ClassNames.Take(6))}{(ClassNames.Count > 6 ? ", ..." : "")})"
            : Targets != null ? ", float targets" : ", no labels";
        string skipped = Skipped.Count == 0 ? "nothing skipped" : $"skipped {Skipped.Count} {(Skipped.Any(s => s.Line > 0) ? "files or rows" : "files")}";
        return $"{Count:N0} samples of {Height}x{Width}x{Channels}{what} from {Source} ({Format}; {Split}); {skipped}";
    }

    public override string ToString() => Summary();
}

/// <summary>What a path gives: the part to fit or calibrate on and the part to evaluate, and how they were split.</summary>
/// <param name="Train">Calibration and training samples (all samples when there is no split).</param>
/// <param name="Test">Evaluation samples (all samples when there is no split).</param>
/// <param name="How">"train/ and test/ folders", "seeded split: seed 1, 20 % held out", or "no split".</param>
public sealed record DataSplit(DataSet Train, DataSet Test, string How)
{
    /// <summary>Every file or row left out of either part (a part shared by both is counted once).</summary>
    public IReadOnlyList<SkippedFile> Skipped => ReferenceEquals(Train.Skipped, Test.Skipped) ? Train.Skipped : [.. Train.Skipped, .. Test.Skipped];
}
