using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace TinyMLOps.Modelling.Data;

/// <summary>A file that is not a NumPy .npy file this reader accepts; the message is one line naming the problem.</summary>
public sealed class NpyFormatException : IOException
{
    public NpyFormatException(string message)
        : base(message)
    {
    }
}

/// <summary>An n-dimensional array in C (row-major) order, its values as float32.</summary>
/// <param name="Shape">The dimensions; empty for a 0-d (scalar) array.</param>
/// <param name="Values">Product(Shape) values, last dimension fastest.</param>
/// <param name="Descr">The NumPy dtype the file held ('&lt;f4', '|u1', ...); the values were converted from it.</param>
public sealed record NpyArray(int[] Shape, float[] Values, string Descr)
{
    /// <summary>The shape as NumPy prints it: (2, 3), (3,), ().</summary>
    public string ShapeText => Npy.FormatShape(Shape);
}

/// <summary>
/// NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the magic
/// "\x93NUMPY", a version (1.0: 16-bit header length; 2.0: 32-bit; 3.0: 32-bit and a UTF-8 header), a Python dict
/// literal with 'descr', 'fortran_order' and 'shape', then the raw data.
/// <para>
/// Reading accepts little-endian numeric dtypes and converts them to float32: '&lt;f4', '&lt;f8', '&lt;f2', '|i1',
/// '|u1', '|b1', '&lt;i2', '&lt;u2', '&lt;i4', '&lt;u4', '&lt;i8', '&lt;u8'. Big-endian, complex, string, structured
/// and object (pickled) arrays are refused. C order only; fortran_order True is accepted only where the layout is
/// the same (at most one dimension larger than 1). Keys other than the three are ignored. Bytes after the data are
/// refused (NumPy ignores them; they usually mean a second array saved into the same file). Every problem
/// raises <see cref="NpyFormatException"/>.
/// </para>
/// <para>Writing produces version 1.0 (2.0 when the header needs it) with '&lt;f4' or '|i1' data, headers padded to 64 bytes as NumPy does.</para>
/// </summary>
public static class Npy
{
    /// <summary>Largest header this reader accepts (NumPy's own default limit is 10,000 bytes).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new NpyFormatException($"{Path.GetFileName(path)}: {e.Message}");
        }

        try
        {
            return Read(bytes);
        }
        catch (NpyFormatException e)
        {
            throw new NpyFormatException($"{Path.GetFileName(path)}: {e.Message}");
        }
    }

    public static NpyArray Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < Magic.Length || !file[..Magic.Length].SequenceEqual(Magic))
        {
            throw new NpyFormatException("not a .npy file (no \\x93NUMPY magic at the start)");
        }

        if (file.Length < 8)
        {
            throw new NpyFormatException("truncated: the file ends inside the version");
        }

        int major = file[6], minor = file[7];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new NpyFormatException($".npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)"),
        };
        if (minor != 0)
        {
            throw new NpyFormatException($".npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)");
        }

        int start = 8 + lengthBytes;
        if (file.Length < start)
        {
            throw new NpyFormatException("truncated: the file ends inside the header length");
        }

        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(file[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        if (headerLength > MaxHeaderBytes)
        {
            throw new NpyFormatException($"header of {headerLength:N0} bytes is larger than the {MaxHeaderBytes:N0} this reader accepts");
        }

        if (file.Length - start < headerLength)
        {
            throw new NpyFormatException($"truncated header: it should have {headerLength:N0} bytes, the file has {file.Length - start:N0} after the header length");
        }

        ReadOnlySpan<byte> headerBytes = file.Slice(start, (int)headerLength);
        string header;
        try
        {
            header = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new NpyFormatException("header is not valid UTF-8");
        }

        (string descr, bool fortran, int[] shape) = ParseHeader(header);
        Dtype dtype = ParseDescr(descr);
        long count = ElementCount(shape);
        if (fortran && shape.Count(d => d > 1) > 1)
        {
            throw new NpyFormatException($"Fortran-ordered array (fortran_order: True) of shape {FormatShape(shape)} is not supported; save np.ascontiguousarray(x) instead");
        }

        ReadOnlySpan<byte> data = file[(start + (int)headerLength)..];
        long expected = count * dtype.Size;
        if (data.Length < expected)
        {
            throw new NpyFormatException($"truncated data: shape {FormatShape(shape)} of '{descr}' needs {expected:N0} bytes, the file has {data.Length:N0}");
        }

        if (data.Length > expected)
        {
            throw new NpyFormatException($"{data.Length - expected:N0} bytes after the data of shape {FormatShape(shape)} ({expected:N0} bytes); one array per file is read (was a second array saved into the same file?)");
        }

        return new NpyArray(shape, Convert(data, dtype, (int)count), descr);
    }

    /// <summary>Writes a float32 ('&lt;f4') array; values.Length must equal the product of the shape.</summary>
    public static byte[] WriteFloat32(ReadOnlySpan<float> values, params int[] shape)
    {
        byte[] file = Begin("<f4", shape, values.Length, 4, out int at);
        for (int i = 0; i < values.Length; i++, at += 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(at), values[i]);
        }

        return file;
    }

    /// <summary>Writes an int8 ('|i1') array; values.Length must equal the product of the shape.</summary>
    public static byte[] WriteInt8(ReadOnlySpan<sbyte> values, params int[] shape)
    {
        byte[] file = Begin("|i1", shape, values.Length, 1, out int at);
        for (int i = 0; i < values.Length; i++)
        {
            file[at + i] = (byte)values[i];
        }

        return file;
    }

    /// <summary>Writes an int64 ('&lt;i8') array (class labels as NumPy and PyTorch keep them).</summary>
    public static byte[] WriteInt64(ReadOnlySpan<long> values, params int[] shape)
    {
        byte[] file = Begin("<i8", shape, values.Length, 8, out int at);
        for (int i = 0; i < values.Length; i++, at += 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(at), values[i]);
        }

        return file;
    }

    /// <summary>A shape as NumPy prints it: (2, 3), (3,), ().</summary>
    public static string FormatShape(IReadOnlyList<int> shape) => shape.Count == 1
        ? $"({shape[0]},)"
        : $"({string.Join(", ", shape)})";

    private static byte[] Begin(string descr, int[] shape, int count, int itemSize, out int dataStart)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(d => d < 0))
        {
            throw new ArgumentException($"shape {FormatShape(shape)} has a negative dimension", nameof(shape));
        }

        long product = shape.Aggregate(1L, (p, d) => d == 0 || p == 0 ? 0 : checked(p * d));
        if (product != count)
        {
            throw new ArgumentException($"shape {FormatShape(shape)} holds {product:N0} values, not {count:N0}", nameof(shape));
        }

        // Like NumPy (1.23 and later), spare spaces for a first dimension of up to 21 digits, so the file can grow in place.
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {FormatShape(shape)}, }}"
            + (shape.Length > 0 ? new string(' ', 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length) : "");
        int version = dict.Length + 1 + 10 <= ushort.MaxValue ? 1 : 2;
        int prefix = version == 1 ? 10 : 12;
        int total = prefix + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        var file = new byte[padded + ((long)count * itemSize)];
        Magic.CopyTo(file, 0);
        file[6] = (byte)version;
        file[7] = 0;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)header.Length);
        }

        Encoding.ASCII.GetBytes(header, file.AsSpan(prefix));
        dataStart = padded;
        return file;
    }

    private static long ElementCount(int[] shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d == 0)
            {
                return 0;
            }

            if (count > Array.MaxLength / d)
            {
                throw new NpyFormatException($"shape {FormatShape(shape)} has more than {Array.MaxLength:N0} elements, more than this reader holds");
            }

            count *= d;
        }

        return count;
    }

    private enum Kind
    {
        Float,
        Signed,
        Unsigned,
        Bool,
    }

    private readonly record struct Dtype(Kind Kind, int Size);

    private static Dtype ParseDescr(string descr)
    {
        if (descr.Length < 2)
        {
            throw new NpyFormatException($"dtype '{Printable(descr)}' is not a NumPy type string");
        }

        char order = descr[0];
        string body = descr[1..];
        if (order is not ('<' or '>' or '|' or '='))
        {
            order = '=';
            body = descr;
        }

        if (body.Length < 2 || !int.TryParse(body.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
        {
            throw new NpyFormatException($"dtype '{Printable(descr)}' is not supported ({What(body)}); use float32 ('<f4') or another little-endian number type");
        }

        Kind? kind = (body[0], size) switch
        {
            ('f', 2 or 4 or 8) => Kind.Float,
            ('i', 1 or 2 or 4 or 8) => Kind.Signed,
            ('u', 1 or 2 or 4 or 8) => Kind.Unsigned,
            ('b', 1) => Kind.Bool,
            _ => null,
        };
        if (kind == null)
        {
            throw new NpyFormatException($"dtype '{Printable(descr)}' is not supported ({What(body)}); use float32 ('<f4') or another little-endian number type");
        }

        if (order == '>' && size > 1)
        {
            throw new NpyFormatException($"dtype '{Printable(descr)}' is big-endian, which is not supported; save x.astype('<{body}') instead");
        }

        if (order == '=' && !BitConverter.IsLittleEndian && size > 1)
        {
            throw new NpyFormatException($"dtype '{Printable(descr)}' is native-order on a big-endian machine, which is not supported");
        }

        return new Dtype(kind.Value, size);
    }

    private static string What(string body) => body.Length == 0 ? "empty" : body[0] switch
    {
        'O' => "object arrays hold pickled Python objects",
        'c' => "complex numbers",
        'U' or 'S' or 'a' => "strings",
        'V' => "raw or structured records",
        'M' or 'm' => "dates and time deltas",
        _ => "not a number type this reader converts",
    };

    private static float[] Convert(ReadOnlySpan<byte> data, Dtype t, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> v = data.Slice(i * t.Size, t.Size);
            values[i] = (t.Kind, t.Size) switch
            {
                (Kind.Float, 2) => (float)BinaryPrimitives.ReadHalfLittleEndian(v),
                (Kind.Float, 4) => BinaryPrimitives.ReadSingleLittleEndian(v),
                (Kind.Float, 8) => (float)BinaryPrimitives.ReadDoubleLittleEndian(v),
                (Kind.Signed, 1) => (sbyte)v[0],
                (Kind.Signed, 2) => BinaryPrimitives.ReadInt16LittleEndian(v),
                (Kind.Signed, 4) => BinaryPrimitives.ReadInt32LittleEndian(v),
                (Kind.Signed, 8) => BinaryPrimitives.ReadInt64LittleEndian(v),
                (Kind.Unsigned, 1) => v[0],
                (Kind.Unsigned, 2) => BinaryPrimitives.ReadUInt16LittleEndian(v),
                (Kind.Unsigned, 4) => BinaryPrimitives.ReadUInt32LittleEndian(v),
                (Kind.Unsigned, 8) => BinaryPrimitives.ReadUInt64LittleEndian(v),
                _ => v[0] != 0 ? 1f : 0f,
            };
        }

        return values;
    }

    /// <summary>Parses the header's Python dict literal: string keys; string, bool and tuple-of-int values.</summary>
    private static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header)
    {
        var p = new HeaderParser(header);
        Dictionary<string, object> dict = p.ParseDict();
        if (!dict.TryGetValue("descr", out object? descr))
        {
            throw new NpyFormatException("header has no 'descr' key");
        }

        if (!dict.TryGetValue("fortran_order", out object? fortran))
        {
            throw new NpyFormatException("header has no 'fortran_order' key");
        }

        if (!dict.TryGetValue("shape", out object? shape))
        {
            throw new NpyFormatException("header has no 'shape' key");
        }

        if (descr is List<object>)
        {
            throw new NpyFormatException("structured dtypes (a list as 'descr') are not supported; save a plain numeric array");
        }

        if (descr is not string d)
        {
            throw new NpyFormatException("header 'descr' is not a string");
        }

        if (fortran is not bool f)
        {
            throw new NpyFormatException("header 'fortran_order' is not True or False");
        }

        if (shape is not List<object> dims || dims.Any(x => x is not long))
        {
            throw new NpyFormatException("header 'shape' is not a tuple of integers");
        }

        var result = new int[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            long v = (long)dims[i];
            if (v < 0 || v > int.MaxValue)
            {
                throw new NpyFormatException($"header 'shape' has dimension {v}, outside 0..{int.MaxValue}");
            }

            result[i] = (int)v;
        }

        return (d, f, result);
    }

    /// <summary>Header text fit for a one-line message: control characters escaped, at most 40 characters.</summary>
    private static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (char c in s.Length > 40 ? s[..40] : s)
        {
            sb.Append(char.IsControl(c) || c > '\u007e' ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return s.Length > 40 ? sb + "…" : sb.ToString();
    }

    /// <summary>A recursive-descent parser for the subset of Python literals .npy headers use.</summary>
    private ref struct HeaderParser(string text)
    {
        private const int MaxDepth = 16;
        private readonly string _text = text;
        private int _at;
        private int _depth;

        public Dictionary<string, object> ParseDict()
        {
            Skip();
            if (Peek() != '{')
            {
                throw new NpyFormatException("header is not a Python dict ({'descr': ..., 'fortran_order': ..., 'shape': ...})");
            }

            object dict = ParseValue();
            Skip();
            if (_at != _text.Length)
            {
                throw Error("unexpected text after the dict");
            }

            return (Dictionary<string, object>)dict;
        }

        private object ParseValue()
        {
            Skip();
            char c = Peek();
            if (c is '{' or '(' or '[')
            {
                if (++_depth > MaxDepth)
                {
                    throw Error("nested too deeply");
                }

                object v = c == '{' ? ParseDictBody() : ParseSequence(c == '(' ? ')' : ']');
                _depth--;
                return v;
            }

            if (c is '\'' or '"')
            {
                return ParseString();
            }

            if (c == '-' || char.IsAsciiDigit(c))
            {
                return ParseInt();
            }

            if (char.IsAsciiLetter(c))
            {
                int start = _at;
                while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] == '_'))
                {
                    _at++;
                }

                return _text[start.._at] switch
                {
                    "True" => true,
                    "False" => false,
                    "None" => "None",
                    string word => throw Error($"unexpected name '{word}'"),
                };
            }

            throw Error(_at >= _text.Length ? "it ends early" : $"unexpected '{Printable(c.ToString())}'");
        }

        private Dictionary<string, object> ParseDictBody()
        {
            _at++; // {
            var dict = new Dictionary<string, object>(StringComparer.Ordinal);
            while (true)
            {
                Skip();
                if (Peek() == '}')
                {
                    _at++;
                    return dict;
                }

                if (Peek() is not ('\'' or '"'))
                {
                    throw Error(_at >= _text.Length ? "it ends early" : "dict keys must be strings");
                }

                string key = ParseString();
                Skip();
                Expect(':');
                object value = ParseValue();
                if (!dict.TryAdd(key, value))
                {
                    throw Error($"key '{Printable(key)}' appears twice");
                }

                Skip();
                if (Peek() == ',')
                {
                    _at++;
                }
                else if (Peek() != '}')
                {
                    throw Error(_at >= _text.Length ? "it ends early" : "expected ',' or '}' in the dict");
                }
            }
        }

        private List<object> ParseSequence(char close)
        {
            _at++; // ( or [
            var items = new List<object>();
            while (true)
            {
                Skip();
                if (Peek() == close)
                {
                    _at++;
                    return items;
                }

                items.Add(ParseValue());
                Skip();
                if (Peek() == ',')
                {
                    _at++;
                }
                else if (Peek() != close)
                {
                    throw Error(_at >= _text.Length ? "it ends early" : $"expected ',' or '{close}'");
                }
            }
        }

        private string ParseString()
        {
            char quote = _text[_at++];
            var sb = new StringBuilder();
            while (_at < _text.Length && _text[_at] != quote)
            {
                if (_text[_at] == '\\' && _at + 1 < _text.Length)
                {
                    _at++;
                }

                sb.Append(_text[_at++]);
            }

            if (_at >= _text.Length)
            {
                throw Error("a string is not closed");
            }

            _at++;
            return sb.ToString();
        }

        private long ParseInt()
        {
            int start = _at;
            if (Peek() == '-')
            {
                _at++;
            }

            while (_at < _text.Length && char.IsAsciiDigit(_text[_at]))
            {
                _at++;
            }

            if (!long.TryParse(_text.AsSpan(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            {
                throw Error($"'{_text[start.._at]}' is not an integer in range");
            }

            if (_at < _text.Length && _text[_at] is 'L' or 'l')
            {
                _at++; // Python 2 long literals, as old NumPy wrote them: (3L, 4L)
            }

            return v;
        }

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Error(_at >= _text.Length ? "it ends early" : $"expected '{c}'");
            }

            _at++;
        }

        private readonly char Peek() => _at < _text.Length ? _text[_at] : '\0';

        private void Skip()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
        }

        private readonly NpyFormatException Error(string what) => new($"header is not a valid dict literal at character {_at}: {what}");
    }
}
