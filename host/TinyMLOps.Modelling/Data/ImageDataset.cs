namespace TinyMLOps.Modelling.Data;

/// <summary>
/// Labelled 8-bit images in HWC order, stored back to back in one array. A pixel byte v means the real
/// value v / 255, which is what the float models take and what the int8 runtime's pixel table assumes.
/// </summary>
public sealed class ImageDataset
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

    public string Name { get; }

    public int Height { get; }

    public int Width { get; }

    public int Channels { get; }

    /// <summary>Values per image: Height * Width * Channels.</summary>
    public int PixelsPerImage => Height * Width * Channels;

    /// <summary>All images, image i at [i * PixelsPerImage, (i + 1) * PixelsPerImage), each HWC.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public byte[] Labels { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int Count => Labels.Length;

    public int ClassCount => ClassNames.Count;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(CheckIndex(index) * PixelsPerImage, PixelsPerImage);

    public int Label(int index) => Labels[CheckIndex(index)];

    /// <summary>Writes image <paramref name="index"/> as floats pixel / 255 into <paramref name="destination"/>.</summary>
    public void GetInput(int index, Span<float> destination)
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

    /// <summary>Image <paramref name="index"/> as floats pixel / 255.</summary>
    public float[] GetInput(int index)
    {
        var x = new float[PixelsPerImage];
        GetInput(index, x);
        return x;
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
    public ImageDataset Slice(int start, int count, string? name = null)
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
    public ImageDataset Take(int count) => count >= Count ? this : Slice(0, count, $"{Name}[..{count})");

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
    public int[] ClassHistogram()
    {
        var counts = new int[ClassCount];
        foreach (byte label in Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    public override string ToString() => $"{Name}: {Count} images {Height}x{Width}x{Channels}, {ClassCount} classes";

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"image {index} is outside 0..{Count - 1}");
        }

        return index;
    }
}
