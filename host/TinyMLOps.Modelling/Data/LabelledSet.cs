using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Data;

/// <summary>What a device's sensor port delivers for one sample of a data set (<see cref="LabelledSet.Raw"/>).</summary>
public enum RawInput
{
    /// <summary>8-bit pixels, one byte per input value (a camera; the runtime's pixel table quantizes them).</summary>
    Pixels,

    /// <summary>int16 samples, channels interleaved (a microphone, an accelerometer), for the model's front-end.</summary>
    Samples,
}

/// <summary>
/// Labelled samples of a task in both the forms a model sees them: the float input the float model trains on (the
/// model's H·W·C input in HWC order) and the raw input the device's sensor gives, which the int8 model's own
/// input path (pixel table or front-end) turns into its int8 input. Training, calibration, evaluation, the release
/// gate, drift profiles and the virtual fleet's sensors all take one of these, so every subsystem serves any task.
/// </summary>
public abstract class LabelledSet
{
    public abstract string Name { get; }

    /// <summary>The model input's height, width and channels (after the front-end, for raw signals).</summary>
    public abstract int Height { get; }

    public abstract int Width { get; }

    public abstract int Channels { get; }

    /// <summary>Values of the model's input: Height * Width * Channels.</summary>
    public int InputElements => Height * Width * Channels;

    public abstract IReadOnlyList<string> ClassNames { get; }

    public abstract int Count { get; }

    public int ClassCount => ClassNames.Count;

    /// <summary>What the sensor delivers per sample.</summary>
    public abstract RawInput Raw { get; }

    /// <summary>Raw values per sample: pixels, or int16 samples of all channels.</summary>
    public abstract int RawLength { get; }

    public abstract int Label(int index);

    /// <summary>Writes sample <paramref name="index"/>'s float model input (HWC) into <paramref name="destination"/>.</summary>
    public abstract void GetInput(int index, Span<float> destination);

    /// <summary>Sample <paramref name="index"/>'s float model input (HWC).</summary>
    public float[] GetInput(int index)
    {
        var x = new float[InputElements];
        GetInput(index, x);
        return x;
    }

    /// <summary>Runs the device's path on sample <paramref name="index"/>: its raw input through <paramref name="classifier"/>.</summary>
    public abstract int Classify(Classifier classifier, int index);

    /// <summary>
    /// Puts sample <paramref name="index"/> into <paramref name="interpreter"/>'s input as the device would: pixels
    /// through the pixel table, raw signals through the model's front-end (<paramref name="scratch"/> holds the model's
    /// int8 input).
    /// </summary>
    public abstract void SetModelInput(Interpreter interpreter, int index, sbyte[] scratch);

    /// <summary>Copies sample <paramref name="index"/>'s pixels (<see cref="RawInput.Pixels"/> sets only).</summary>
    public virtual void ReadPixels(int index, byte[] destination) =>
        throw new InvalidOperationException($"{Name} holds {Raw.ToString().ToLowerInvariant()}, not pixels");

    /// <summary>Copies sample <paramref name="index"/>'s int16 samples (<see cref="RawInput.Samples"/> sets only).</summary>
    public virtual void ReadSamples(int index, short[] destination) =>
        throw new InvalidOperationException($"{Name} holds {Raw.ToString().ToLowerInvariant()}, not int16 samples");

    /// <summary>A copy of samples [start, start + count).</summary>
    public abstract LabelledSet Slice(int start, int count, string? name = null);

    /// <summary>The first <paramref name="count"/> samples (all of them when there are fewer).</summary>
    public LabelledSet Take(int count) => count >= Count ? this : Slice(0, count, $"{Name}[..{count})");

    /// <summary>How many samples each class has.</summary>
    public virtual int[] ClassHistogram()
    {
        var counts = new int[ClassCount];
        for (int i = 0; i < Count; i++)
        {
            counts[Label(i)]++;
        }

        return counts;
    }

    /// <summary>Throws a one-line error when the set's model input is not <paramref name="h"/> x <paramref name="w"/> x <paramref name="c"/>.</summary>
    public void CheckShape(int h, int w, int c, string what = "the model")
    {
        if (Height != h || Width != w || Channels != c)
        {
            throw new ArgumentException($"{Name} holds {Height}x{Width}x{Channels} inputs, {what} takes {h}x{w}x{c}");
        }
    }

    protected int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"sample {index} is outside 0..{Count - 1} of {Name}");
        }

        return index;
    }

    public override string ToString() => $"{Name}: {Count} samples {Height}x{Width}x{Channels}, {ClassCount} classes";
}
