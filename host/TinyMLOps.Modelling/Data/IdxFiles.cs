using System.Buffers.Binary;
using System.IO.Compression;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// The IDX format of MNIST-style data sets: an unsigned-byte images file (idx3: count x rows x cols) and its labels
/// file (idx1), each gzip-compressed or plain. Images are one byte per pixel, HWC with one channel.
/// </summary>
public static class IdxFiles
{
    /// <summary>Magic number of an IDX file of unsigned bytes with three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

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

    /// <summary>Loads one images file and its labels file (gzip-compressed or plain) from <paramref name="directory"/>.</summary>
    /// <param name="classNames">The class names, index = label (null: numbered "0" up to the largest label).</param>
    /// <param name="missingHint">Added to the message when a file is missing: where to get it.</param>
    public static ImageDataset LoadFiles(string directory, string imagesFile, string labelsFile, string name, IReadOnlyList<string>? classNames = null, string? missingHint = null)
    {
        string imagesPath = Path.Combine(directory, imagesFile);
        string labelsPath = Path.Combine(directory, labelsFile);
        foreach (string path in new[] { imagesPath, labelsPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(missingHint == null ? $"IDX file {path} not found" : $"IDX file {path} not found; {missingHint}", path);
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

        return Build(name, pixels, count, rows, cols, labels, imagesPath, labelsPath, classNames);
    }

    /// <summary>Builds a dataset from already opened streams (gzip-compressed or plain IDX).</summary>
    public static ImageDataset Read(Stream images, Stream labels, string name, IReadOnlyList<string>? classNames = null)
    {
        byte[] pixels = ReadImages(images, name + " images", out int count, out int rows, out int cols);
        byte[] lab = ReadLabels(labels, name + " labels");
        return Build(name, pixels, count, rows, cols, lab, name + " images", name + " labels", classNames);
    }

    /// <summary>Numbered class names "0" .. "count - 1".</summary>
    public static IReadOnlyList<string> NumberedNames(int count) => [.. Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static ImageDataset Build(string name, byte[] pixels, int count, int rows, int cols, byte[] labels, string imagesSource, string labelsSource, IReadOnlyList<string>? classNames)
    {
        if (labels.Length != count)
        {
            throw new IdxFormatException($"{imagesSource} has {count} images but {labelsSource} has {labels.Length} labels");
        }

        IReadOnlyList<string> names = classNames ?? NumberedNames(labels.Length == 0 ? 1 : labels.Max() + 1);
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= names.Count)
            {
                throw new IdxFormatException($"{labelsSource}: label {labels[i]} of image {i} is outside 0..{names.Count - 1}");
            }
        }

        return new ImageDataset(name, rows, cols, 1, pixels, labels, names);
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
