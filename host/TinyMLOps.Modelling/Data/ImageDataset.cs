using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// Labelled 8-bit images in HWC order, stored back to back in one array. A pixel byte v means the real
/// value v / 255, which is what the float models take and what the int8 runtime's pixel table assumes.
/// </summary>
public sealed class ImageDataset : LabelledSet
{
    public ImageDataset(string name, int height, int width, int channels, byte[] pixels, byte[] labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (height < 1 || width < 1 || channels < 1)
        {
            throw new ArgumentException($"image shape {height}x{width}x{channels} is not positive");
        }

        int perImage = height * width * channels;
        if ((long)perImage * labels.Length != pixels.Length)
        {
            throw new ArgumentException($"{pixels.Length} pixel bytes do not hold {labels.Length} images of {height}x{width}x{channels}");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classNames.Count)
            {
                throw new ArgumentException($"label {labels[i]} of image {i} is outside 0..{classNames.Count - 1}");
            }
        }

        Name = name;
        Height = height;
        Width = width;
        Channels = channels;
        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames;
    }

    public override string Name { get; }

    public override int Height { get; }

    public override int Width { get; }

    public override int Channels { get; }

    /// <summary>Values per image: Height * Width * Channels.</summary>
    public int PixelsPerImage => Height * Width * Channels;

    /// <summary>All images, image i at [i * PixelsPerImage, (i + 1) * PixelsPerImage), each HWC.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public byte[] Labels { get; }

    public override IReadOnlyList<string> ClassNames { get; }

    public override int Count => Labels.Length;

    public override RawInput Raw => RawInput.Pixels;

    public override int RawLength => PixelsPerImage;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(CheckIndex(index) * PixelsPerImage, PixelsPerImage);

    public override int Label(int index) => Labels[CheckIndex(index)];

    public override int Classify(Classifier classifier, int index) => classifier.Classify(Pixels, CheckIndex(index) * PixelsPerImage);

    public override void SetModelInput(Interpreter interpreter, int index, sbyte[] scratch) => interpreter.SetInputFromBytes(Pixels, CheckIndex(index) * PixelsPerImage);

    public override void ReadPixels(int index, byte[] destination) => Image(index).CopyTo(destination);

    /// <summary>Writes image <paramref name="index"/> as floats pixel / 255 into <paramref name="destination"/>.</summary>
    public override void GetInput(int index, Span<float> destination)
    {
        if (destination.Length < PixelsPerImage)
        {
            throw new ArgumentException($"destination holds {destination.Length} values, an image has {PixelsPerImage}");
        }

        ReadOnlySpan<byte> src = Image(index);
        for (int i = 0; i < src.Length; i++)
        {
            destination[i] = src[i] / 255f;
        }
    }

    /// <summary>Images [start, start + count) as floats pixel / 255, back to back (count * PixelsPerImage values).</summary>
    public float[] GetInputs(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"range [{start}, {start + count}) is outside the {Count} images of {Name}");
        }

        var x = new float[(long)count * PixelsPerImage];
        ReadOnlySpan<byte> src = Pixels.AsSpan(start * PixelsPerImage, count * PixelsPerImage);
        for (int i = 0; i < src.Length; i++)
        {
            x[i] = src[i] / 255f;
        }

        return x;
    }

    /// <summary>A copy of images [start, start + count).</summary>
    public override ImageDataset Slice(int start, int count, string? name = null)
    {
        if (start < 0 || count < 0 || start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"slice [{start}, {start + count}) is outside the {Count} images of {Name}");
        }

        return new ImageDataset(
            name ?? $"{Name}[{start}..{start + count})",
            Height,
            Width,
            Channels,
            Pixels.AsSpan(start * PixelsPerImage, count * PixelsPerImage).ToArray(),
            Labels.AsSpan(start, count).ToArray(),
            ClassNames);
    }

    /// <summary>The first <paramref name="count"/> images (all of them when there are fewer).</summary>
    public new ImageDataset Take(int count) => count >= Count ? this : Slice(0, count, $"{Name}[..{count})");

    /// <summary>
    /// Deterministic split: the last <paramref name="heldOut"/> images become the held-out part (calibration and
    /// validation), the rest the training part. No shuffling, so the split is the same on every machine.
    /// </summary>
    public (ImageDataset Train, ImageDataset HeldOut) SplitHeldOut(int heldOut)
    {
        if (heldOut < 0 || heldOut > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(heldOut), $"cannot hold out {heldOut} of {Count} images");
        }

        int train = Count - heldOut;
        return (Slice(0, train, $"{Name}-train"), Slice(train, heldOut, $"{Name}-heldout"));
    }

    /// <summary>How many images each class has.</summary>
    public override int[] ClassHistogram()
    {
        var counts = new int[ClassCount];
        foreach (byte label in Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    public override string ToString() => $"{Name}: {Count} images {Height}x{Width}x{Channels}, {ClassCount} classes";
}
