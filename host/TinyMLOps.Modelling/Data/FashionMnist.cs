using System.Buffers.Binary;
using System.IO.Compression;

namespace TinyMLOps.Modelling.Data;

/// <summary>A file that is not a valid IDX file (bad magic, bad sizes, truncated or corrupt compression).</summary>
public sealed class IdxFormatException : IOException
{
    public IdxFormatException(string message)
        : base(message)
    {
    }

    public IdxFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The three parts of Fashion-MNIST used by the project.</summary>
/// <param name="Train">Training images (the official training set less the held-out part).</param>
/// <param name="HeldOut">The last images of the official training set: calibration and validation.</param>
/// <param name="Test">The official 10,000 test images.</param>
public sealed record FashionMnistSplits(ImageDataset Train, ImageDataset HeldOut, ImageDataset Test);

/// <summary>
/// Loader for Fashion-MNIST in the IDX format (as shipped, gzip-compressed, by Debian's dataset-fashion-mnist
/// package). Images are 28x28x1, one byte per pixel, HWC.
/// </summary>
public static class FashionMnist
{
    /// <summary>Environment variable naming a directory that holds the four IDX files.</summary>
    public const string EnvironmentVariable = "TINYMLOPS_FASHION_MNIST";

    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    public const int ImageSize = 28;
    public const int TrainCount = 60_000;
    public const int TestCount = 10_000;

    /// <summary>Size of the held-out part cut from the end of the training set.</summary>
    public const int DefaultHeldOut = 5_000;

    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>Magic number of an IDX file of unsigned bytes with three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The ten class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>The directory named by <see cref="EnvironmentVariable"/> when set, otherwise <see cref="DebianDirectory"/>.</summary>
    public static string DefaultDirectory => DirectoryFrom(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The directory for a given value of <see cref="EnvironmentVariable"/> (unset or blank: the Debian one).</summary>
    internal static string DirectoryFrom(string? environmentValue) =>
        string.IsNullOrWhiteSpace(environmentValue) ? DebianDirectory : environmentValue.Trim();

    /// <summary>True when all four files exist in <paramref name="directory"/> (default: <see cref="DefaultDirectory"/>).</summary>
    public static bool IsAvailable(string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        return File.Exists(Path.Combine(dir, TrainImagesFile)) && File.Exists(Path.Combine(dir, TrainLabelsFile))
            && File.Exists(Path.Combine(dir, TestImagesFile)) && File.Exists(Path.Combine(dir, TestLabelsFile));
    }

    /// <summary>The official 60,000 training images.</summary>
    public static ImageDataset LoadTrain(string? directory = null) =>
        LoadFiles(directory ?? DefaultDirectory, TrainImagesFile, TrainLabelsFile, "fashion-mnist-train");

    /// <summary>The official 10,000 test images.</summary>
    public static ImageDataset LoadTest(string? directory = null) =>
        LoadFiles(directory ?? DefaultDirectory, TestImagesFile, TestLabelsFile, "fashion-mnist-test");

    /// <summary>Training set split into train and held-out (its last <paramref name="heldOut"/> images), and the test set.</summary>
    public static FashionMnistSplits Load(string? directory = null, int heldOut = DefaultHeldOut)
    {
        string dir = directory ?? DefaultDirectory;
        (ImageDataset train, ImageDataset held) = LoadTrain(dir).SplitHeldOut(heldOut);
        return new FashionMnistSplits(train, held, LoadTest(dir));
    }

    /// <summary>Loads one images file and its labels file (gzip-compressed or plain).</summary>
    public static ImageDataset LoadFiles(string directory, string imagesFile, string labelsFile, string name)
    {
        string imagesPath = Path.Combine(directory, imagesFile);
        string labelsPath = Path.Combine(directory, labelsFile);
        foreach (string path in new[] { imagesPath, labelsPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"Fashion-MNIST file {path} not found; install Debian's dataset-fashion-mnist package or set {EnvironmentVariable} to a directory holding the IDX files",
                    path);
            }
        }

        byte[] pixels;
        int count;
        int rows;
        int cols;
        using (FileStream s = File.OpenRead(imagesPath))
        {
            pixels = ReadImages(s, imagesPath, out count, out rows, out cols);
        }

        byte[] labels;
        using (FileStream s = File.OpenRead(labelsPath))
        {
            labels = ReadLabels(s, labelsPath);
        }

        return Build(name, pixels, count, rows, cols, labels, imagesPath, labelsPath);
    }

    /// <summary>Builds a dataset from already opened streams (gzip-compressed or plain IDX).</summary>
    public static ImageDataset Read(Stream images, Stream labels, string name)
    {
        byte[] pixels = ReadImages(images, name + " images", out int count, out int rows, out int cols);
        byte[] lab = ReadLabels(labels, name + " labels");
        return Build(name, pixels, count, rows, cols, lab, name + " images", name + " labels");
    }

    /// <summary>Reads an IDX3 unsigned-byte images file; returns count * rows * cols bytes.</summary>
    public static byte[] ReadImages(Stream stream, string source, out int count, out int rows, out int cols)
    {
        using Stream s = OpenPayload(stream, source);
        Span<byte> header = stackalloc byte[16];
        ReadExactly(s, header, source, "header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != ImagesMagic)
        {
            throw new IdxFormatException($"{source}: magic 0x{magic:X8} is not an IDX images file (expected 0x{ImagesMagic:X8})");
        }

        count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows < 1 || cols < 1 || rows > 4096 || cols > 4096)
        {
            throw new IdxFormatException($"{source}: implausible dimensions {count} x {rows} x {cols}");
        }

        long total = (long)count * rows * cols;
        if (total > Array.MaxLength)
        {
            throw new IdxFormatException($"{source}: {total} pixel bytes is more than one array can hold");
        }

        var pixels = new byte[total];
        ReadExactly(s, pixels, source, $"{count} images of {rows}x{cols}");
        RequireEnd(s, source);
        return pixels;
    }

    /// <summary>Reads an IDX1 unsigned-byte labels file.</summary>
    public static byte[] ReadLabels(Stream stream, string source)
    {
        using Stream s = OpenPayload(stream, source);
        Span<byte> header = stackalloc byte[8];
        ReadExactly(s, header, source, "header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != LabelsMagic)
        {
            throw new IdxFormatException($"{source}: magic 0x{magic:X8} is not an IDX labels file (expected 0x{LabelsMagic:X8})");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0)
        {
            throw new IdxFormatException($"{source}: negative label count {count}");
        }

        var labels = new byte[count];
        ReadExactly(s, labels, source, $"{count} labels");
        RequireEnd(s, source);
        return labels;
    }

    private static ImageDataset Build(string name, byte[] pixels, int count, int rows, int cols, byte[] labels, string imagesSource, string labelsSource)
    {
        if (labels.Length != count)
        {
            throw new IdxFormatException($"{imagesSource} has {count} images but {labelsSource} has {labels.Length} labels");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassNames.Count)
            {
                throw new IdxFormatException($"{labelsSource}: label {labels[i]} of image {i} is outside 0..{ClassNames.Count - 1}");
            }
        }

        return new ImageDataset(name, rows, cols, 1, pixels, labels, ClassNames);
    }

    /// <summary>Wraps the stream in a gzip decoder when it starts with the gzip magic (1F 8B).</summary>
    private static Stream OpenPayload(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        int b0 = stream.ReadByte();
        int b1 = b0 < 0 ? -1 : stream.ReadByte();
        if (b0 < 0 || b1 < 0)
        {
            throw new IdxFormatException($"{source}: file is empty or shorter than any IDX header");
        }

        var prefixed = new PrefixedStream([(byte)b0, (byte)b1], stream);
        return b0 == 0x1F && b1 == 0x8B ? new GZipStream(prefixed, CompressionMode.Decompress) : prefixed;
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string source, string what)
    {
        int done = 0;
        try
        {
            while (done < buffer.Length)
            {
                int n = s.Read(buffer[done..]);
                if (n == 0)
                {
                    throw new IdxFormatException($"{source}: truncated: the data ends after {done} of the {buffer.Length} bytes of the {what}");
                }

                done += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException($"{source}: corrupt compressed data while reading the {what} ({e.Message})", e);
        }
    }

    private static void RequireEnd(Stream s, string source)
    {
        try
        {
            if (s.ReadByte() >= 0)
            {
                throw new IdxFormatException($"{source}: unexpected bytes after the data the header announces");
            }
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException($"{source}: corrupt compressed data at the end of the file ({e.Message})", e);
        }
    }

    /// <summary>
    /// A read-only stream that replays a few already consumed bytes before the rest of its source. Disposing it
    /// leaves the source open: whoever opened the source closes it.
    /// </summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixPos;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPos < prefix.Length && buffer.Length > 0)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _prefixPos);
                prefix.AsSpan(_prefixPos, n).CopyTo(buffer);
                _prefixPos += n;
                return n;
            }

            return inner.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
