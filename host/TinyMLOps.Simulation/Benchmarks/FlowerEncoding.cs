using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The bytes of a float32 update as Flower sends it: every array becomes one NumPy .npy file (Flower's
/// <c>ndarray_to_bytes</c> is <c>np.save(..., allow_pickle=False)</c>), format version 1.0. The header is built the way
/// numpy's <c>format._write_array_header</c> builds it: the dict "{'descr': '&lt;f4', 'fortran_order': False, 'shape': (…), }",
/// then spare spaces so the first dimension can grow to 21 digits, then spaces and a newline up to a multiple of 64 bytes
/// counted from the start of the file. For the small arrays of a model head that is 128 bytes, then 4 bytes a value.
/// The protobuf framing around the arrays is left out, which only flatters the baseline.
/// </summary>
public static class FlowerEncoding
{
    /// <summary>"\x93NUMPY".</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>numpy.lib.format.ARRAY_ALIGN: the data starts at a multiple of this.</summary>
    public const int ArrayAlign = 64;

    /// <summary>numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: spare header room for the growing axis.</summary>
    public const int GrowthAxisMaxDigits = 21;

    /// <summary>Magic, two version bytes and the u16 header length.</summary>
    public const int PreambleBytes = 10;

    /// <summary>The header dict as numpy writes it for a little-endian float32 C-order array of that shape.</summary>
    public static string HeaderDict(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        string dims = shape.Count switch
        {
            0 => "()",
            1 => "(" + Dim(shape[0]) + ",)",
            _ => "(" + string.Join(", ", shape.Select(Dim)) + ")",
        };
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + dims + ", }";
        return shape.Count > 0 ? dict + new string(' ', GrowthAxisMaxDigits - Dim(shape[0]).Length) : dict;
    }

    /// <summary>The .npy header (magic, version 1.0, length, dict, padding, newline) of an array of that shape.</summary>
    public static byte[] Header(IReadOnlyList<int> shape)
    {
        byte[] dict = Encoding.ASCII.GetBytes(HeaderDict(shape));
        int withNewline = dict.Length + 1;
        // numpy pads by ARRAY_ALIGN − (total % ARRAY_ALIGN), so an already aligned header still gets 64 spaces.
        int pad = ArrayAlign - ((PreambleBytes + withNewline) % ArrayAlign);
        int headerLength = withNewline + pad;
        if (headerLength > ushort.MaxValue)
        {
            throw new ArgumentException("the header does not fit format version 1.0", nameof(shape));
        }

        var bytes = new byte[PreambleBytes + headerLength];
        Magic.CopyTo(bytes);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        dict.CopyTo(bytes, PreambleBytes);
        bytes.AsSpan(PreambleBytes + dict.Length, pad).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>One array as a .npy file: header, then the values as little-endian float32 in C order.</summary>
    public static byte[] Encode(float[] values, IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        long elements = shape.Aggregate(1L, (a, d) => a * d);
        if (elements != values.Length)
        {
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {elements} values, not {values.Length}", nameof(shape));
        }

        byte[] header = Header(shape);
        var bytes = new byte[header.Length + (4 * values.Length)];
        header.CopyTo(bytes, 0);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(header.Length + (4 * i)), values[i]);
        }

        return bytes;
    }

    /// <summary>One 1-D array as a .npy file.</summary>
    public static byte[] Encode(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Encode(values, [values.Length]);
    }

    /// <summary>Every array of an update (Flower's Parameters.tensors), one .npy file each.</summary>
    public static byte[][] EncodeUpdate(IReadOnlyList<float[]> arrays, IReadOnlyList<int[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(shapes);
        if (arrays.Count != shapes.Count)
        {
            throw new ArgumentException("one shape per array", nameof(shapes));
        }

        return [.. arrays.Select((a, i) => Encode(a, shapes[i]))];
    }

    /// <summary>The byte count of <see cref="Encode(float[], IReadOnlyList{int})"/> without encoding.</summary>
    public static long EncodedLength(IReadOnlyList<int> shape) => Header(shape).Length + (4L * shape.Aggregate(1L, (a, d) => a * d));

    /// <summary>Reads a float32 .npy file back (for tests and tools): its shape and values.</summary>
    /// <exception cref="InvalidDataException">Not a version 1.0 little-endian float32 C-order .npy file.</exception>
    public static (int[] Shape, float[] Values) Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < PreambleBytes || !bytes.AsSpan(0, 6).SequenceEqual(Magic) || bytes[6] != 1 || bytes[7] != 0)
        {
            throw new InvalidDataException("not a version 1.0 .npy file");
        }

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        if (PreambleBytes + headerLength > bytes.Length)
        {
            throw new InvalidDataException("the .npy header is truncated");
        }

        string dict = Encoding.ASCII.GetString(bytes, PreambleBytes, headerLength).TrimEnd(' ', '\n');
        const string prefix = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
        int close = dict.IndexOf(')', StringComparison.Ordinal);
        if (!dict.StartsWith(prefix, StringComparison.Ordinal) || close < 0 || dict[(close + 1)..].Trim() != ", }")
        {
            throw new InvalidDataException($"not a little-endian float32 C-order header: {dict}");
        }

        int[] shape = [.. dict[prefix.Length..close].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture))];
        long elements = shape.Aggregate(1L, (a, d) => a * d);
        int start = PreambleBytes + headerLength;
        if (bytes.Length - start != 4 * elements)
        {
            throw new InvalidDataException($"{bytes.Length - start} data bytes for {elements} float32 values");
        }

        var values = new float[elements];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(start + (4 * i)));
        }

        return (shape, values);
    }

    private static string Dim(int d)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(d);
        return d.ToString(CultureInfo.InvariantCulture);
    }
}
