using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// Labelled windows of int16 samples (1 s of audio, a 3-axis accelerometer window), channels interleaved, with each
/// window's float model input computed once by the task's front-end: the device classifies the window through the
/// int8 model's front-end, the float model trains on the features.
/// </summary>
public sealed class SignalSet : LabelledSet
{
    private readonly IReadOnlyList<short[]> _windows;
    private readonly int[] _labels;
    private readonly IReadOnlyList<float[]> _features;

    public SignalSet(string name, int sampleRate, int signalChannels, IReadOnlyList<short[]> windows, int[] labels, IReadOnlyList<string> classNames, int height, int width, int channels, IReadOnlyList<float[]> features)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(features);
        if (windows.Count != labels.Length || features.Count != labels.Length)
        {
            throw new ArgumentException($"{name}: {windows.Count} windows, {features.Count} feature vectors and {labels.Length} labels");
        }

        int rawLength = windows.Count == 0 ? 0 : windows[0].Length;
        for (int i = 0; i < windows.Count; i++)
        {
            if (windows[i].Length != rawLength || features[i].Length != height * width * channels)
            {
                throw new ArgumentException($"{name}: window {i} has {windows[i].Length} samples and {features[i].Length} features, the set {rawLength} and {height * width * channels}");
            }

            if ((uint)labels[i] >= (uint)classNames.Count)
            {
                throw new ArgumentException($"{name}: label {labels[i]} of window {i} is outside 0..{classNames.Count - 1}");
            }
        }

        Name = name;
        SampleRate = sampleRate;
        SignalChannels = signalChannels;
        _windows = windows;
        _labels = labels;
        ClassNames = classNames;
        Height = height;
        Width = width;
        Channels = channels;
        _features = features;
        RawLength = rawLength;
    }

    public override string Name { get; }

    public override int Height { get; }

    public override int Width { get; }

    public override int Channels { get; }

    public override IReadOnlyList<string> ClassNames { get; }

    public override int Count => _labels.Length;

    public override RawInput Raw => RawInput.Samples;

    public override int RawLength { get; }

    /// <summary>Samples per second of each channel.</summary>
    public int SampleRate { get; }

    /// <summary>Interleaved channels per window (1 for audio, 3 for a 3-axis accelerometer).</summary>
    public int SignalChannels { get; }

    /// <summary>
    /// Computes every window's features with <paramref name="features"/> (in parallel; it must be thread-safe or
    /// create its state per call) into a set of model input <paramref name="height"/> x <paramref name="width"/> x <paramref name="channels"/>.
    /// </summary>
    public static SignalSet Create(string name, int sampleRate, int signalChannels, IReadOnlyList<short[]> windows, int[] labels, IReadOnlyList<string> classNames, int height, int width, int channels, Func<short[], float[]> features)
    {
        var computed = new float[windows.Count][];
        Parallel.For(0, windows.Count, i => computed[i] = features(windows[i]));
        return new SignalSet(name, sampleRate, signalChannels, windows, labels, classNames, height, width, channels, computed);
    }

    public short[] Window(int index) => _windows[CheckIndex(index)];

    public ReadOnlySpan<float> Features(int index) => _features[CheckIndex(index)];

    public override int Label(int index) => _labels[CheckIndex(index)];

    public override void GetInput(int index, Span<float> destination) => Features(index).CopyTo(destination);

    public override int Classify(Classifier classifier, int index) => classifier.ClassifySamples(Window(index), 0);

    public override void SetModelInput(Interpreter interpreter, int index, sbyte[] scratch)
    {
        var model = interpreter.Model;
        var frontEnd = model.FrontEnd ?? throw new ArgumentException($"{Name} holds raw signals; the model has no front-end to turn them into its input");
        frontEnd.ProcessSamples(Window(index), 0, scratch, 0, model.InputScale, model.InputZeroPoint);
        interpreter.SetInput(scratch, 0);
    }

    public override void ReadSamples(int index, short[] destination) => Window(index).CopyTo(destination, 0);

    public override SignalSet Slice(int start, int count, string? name = null)
    {
        if (start < 0 || count < 0 || start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"slice [{start}, {start + count}) is outside the {Count} windows of {Name}");
        }

        return Subset([.. Enumerable.Range(start, count)], name ?? $"{Name}[{start}..{start + count})");
    }

    /// <summary>The windows at <paramref name="indices"/>, in that order.</summary>
    public SignalSet Subset(IReadOnlyList<int> indices, string name) => new(
        name,
        SampleRate,
        SignalChannels,
        [.. indices.Select(i => _windows[i])],
        [.. indices.Select(i => _labels[i])],
        ClassNames,
        Height,
        Width,
        Channels,
        [.. indices.Select(i => _features[i])]);

    /// <summary>This set followed by <paramref name="other"/> (same shapes and classes).</summary>
    public SignalSet Concat(SignalSet other, string? name = null)
    {
        if (other.RawLength != RawLength || other.InputElements != InputElements || !other.ClassNames.SequenceEqual(ClassNames))
        {
            throw new ArgumentException($"{other.Name} does not have {Name}'s shapes and classes");
        }

        return new SignalSet(name ?? $"{Name}+{other.Name}", SampleRate, SignalChannels, [.. _windows, .. other._windows], [.. _labels, .. other._labels], ClassNames, Height, Width, Channels, [.. _features, .. other._features]);
    }
}
