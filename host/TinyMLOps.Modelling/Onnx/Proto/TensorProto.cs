using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Modelling.Onnx.Proto;

/// <summary>
/// Our additions to the generated TensorProto: tensors from values (raw_data, little-endian) and values from
/// tensors, whichever of raw_data or the typed repeated fields holds them, checked against the dims.
/// </summary>
public sealed partial class TensorProto
{
    /// <summary>Largest tensor the decoder materializes (elements); bigger ones are refused as malformed.</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>data_type as its enum (the proto3 form keeps it an int32).</summary>
    public OnnxDataType ElementType
    {
        get => (OnnxDataType)DataType;
        set => DataType = (int)value;
    }

    /// <summary>Number of elements (product of dims; 1 for a scalar), checked for negative dims and overflow.</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Dims)
            {
                if (d < 0)
                {
                    throw new OnnxFormatException($"tensor '{Name}' has negative dimension {d}");
                }

                if (d != 0 && n > MaxElements / d)
                {
                    throw new OnnxFormatException($"tensor '{Name}' has more than {MaxElements} elements");
                }

                n *= d;
            }

            return n;
        }
    }

    public static TensorProto FromFloats(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values) => FromValues(name, OnnxDataType.Float, dims, values);

    public static TensorProto FromInt32s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<int> values) => FromValues(name, OnnxDataType.Int32, dims, values);

    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values) => FromValues(name, OnnxDataType.Int64, dims, values);

    public static TensorProto FromInt8s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<sbyte> values) => FromValues(name, OnnxDataType.Int8, dims, values);

    public static TensorProto FromUInt8s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<byte> values) => FromValues(name, OnnxDataType.Uint8, dims, values);

    /// <summary>The values as floats (FLOAT or DOUBLE tensors).</summary>
    public float[] ToFloats()
    {
        int n = CheckedCount();
        ReadOnlySpan<byte> raw = RawData.Span;
        switch (ElementType)
        {
            case OnnxDataType.Float:
                if (raw.Length != 0)
                {
                    RequireRaw(n, 4);
                    var f = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        f[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4, 4));
                    }

                    return f;
                }

                RequireTyped(FloatData.Count, n, "float_data");
                return [.. FloatData];
            case OnnxDataType.Double:
                if (raw.Length != 0)
                {
                    RequireRaw(n, 8);
                    var d = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        d[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(i * 8, 8));
                    }

                    return d;
                }

                RequireTyped(DoubleData.Count, n, "double_data");
                return DoubleData.Select(v => (float)v).ToArray();
            default:
                throw new OnnxUnsupportedException($"tensor '{Name}' has element type {ElementType}, expected float");
        }
    }

    /// <summary>The values of an integer or bool tensor, widened to long.</summary>
    public long[] ToInt64s()
    {
        int n = CheckedCount();
        OnnxDataType type = ElementType;
        int size = type switch
        {
            OnnxDataType.Int64 or OnnxDataType.Uint64 => 8,
            OnnxDataType.Int32 or OnnxDataType.Uint32 => 4,
            OnnxDataType.Int16 or OnnxDataType.Uint16 => 2,
            OnnxDataType.Int8 or OnnxDataType.Uint8 or OnnxDataType.Bool => 1,
            _ => throw new OnnxUnsupportedException($"tensor '{Name}' has element type {type}, expected an integer type"),
        };
        var v = new long[n];
        ReadOnlySpan<byte> raw = RawData.Span;
        if (raw.Length != 0)
        {
            RequireRaw(n, size);
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> b = raw.Slice(i * size, size);
                v[i] = type switch
                {
                    OnnxDataType.Int64 or OnnxDataType.Uint64 => BinaryPrimitives.ReadInt64LittleEndian(b),
                    OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
                    OnnxDataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
                    OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                    OnnxDataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
                    OnnxDataType.Int8 => (sbyte)b[0],
                    _ => b[0],
                };
            }

            return v;
        }

        switch (type)
        {
            case OnnxDataType.Int64:
                RequireTyped(Int64Data.Count, n, "int64_data");
                Int64Data.CopyTo(v, 0);
                break;
            case OnnxDataType.Uint64:
            case OnnxDataType.Uint32:
                RequireTyped(Uint64Data.Count, n, "uint64_data");
                for (int i = 0; i < n; i++)
                {
                    v[i] = (long)Uint64Data[i];
                }

                break;
            default:
                RequireTyped(Int32Data.Count, n, "int32_data");
                for (int i = 0; i < n; i++)
                {
                    v[i] = type switch
                    {
                        OnnxDataType.Int8 => (sbyte)Int32Data[i],
                        OnnxDataType.Uint8 or OnnxDataType.Bool => (byte)Int32Data[i],
                        OnnxDataType.Int16 => (short)Int32Data[i],
                        OnnxDataType.Uint16 => (ushort)Int32Data[i],
                        _ => Int32Data[i],
                    };
                }

                break;
        }

        return v;
    }

    private static TensorProto FromValues<T>(string name, OnnxDataType type, ReadOnlySpan<long> dims, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        // raw_data is little-endian; so is every machine these tools run on, which lets the values go in as they lie in memory.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX export needs a little-endian machine");
        }

        // The array is ours and never written again, so wrapping it without a copy is safe.
        var t = new TensorProto { Name = name, ElementType = type, RawData = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(values).ToArray()) };
        t.Dims.AddRange(dims.ToArray());
        if (t.ElementCount != values.Length)
        {
            throw new ArgumentException($"tensor '{name}': dims hold {t.ElementCount} elements, {values.Length} values given");
        }

        return t;
    }

    private int CheckedCount()
    {
        if (DataLocation == Types.DataLocation.External || ExternalData.Count != 0)
        {
            throw new OnnxUnsupportedException($"tensor '{Name}' keeps its data in an external file, which is not supported");
        }

        return (int)ElementCount;
    }

    private void RequireRaw(int n, int size)
    {
        if (RawData.Length != (long)n * size)
        {
            throw new OnnxFormatException($"tensor '{Name}': raw_data has {RawData.Length} bytes, dims {FormatDims()} of {ElementType} need {(long)n * size}");
        }
    }

    private void RequireTyped(int have, int n, string field)
    {
        if (have != n)
        {
            throw new OnnxFormatException($"tensor '{Name}': {field} has {have} values, dims {FormatDims()} need {n}");
        }
    }

    private string FormatDims() => "[" + string.Join(",", Dims) + "]";
}
