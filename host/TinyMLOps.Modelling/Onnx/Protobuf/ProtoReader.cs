using System.Buffers.Binary;
using System.Text;

namespace TinyMLOps.Modelling.Onnx.Protobuf;

/// <summary>Protobuf wire types (groups, 3 and 4, are deprecated and rejected).</summary>
public enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A bounds-checked protobuf wire reader over one slice of a byte array. Every read checks the slice's end
/// first, so malformed input fails with <see cref="OnnxFormatException"/> and never indexes out of range.
/// Nested messages get their own reader over their slice; <see cref="MaxDepth"/> bounds the nesting.
/// </summary>
public sealed class ProtoReader
{
    /// <summary>Deepest message nesting accepted (graphs inside attributes inside nodes inside graphs...).</summary>
    public const int MaxDepth = 64;

    private readonly byte[] _data;
    private readonly int _end;
    private int _pos;

    public ProtoReader(byte[] data)
        : this(data ?? throw new OnnxFormatException("no data"), 0, data.Length, 0)
    {
    }

    private ProtoReader(byte[] data, int start, int end, int depth)
    {
        _data = data;
        _pos = start;
        _end = end;
        Depth = depth;
    }

    public int Depth { get; }

    public int Position => _pos;

    public int Remaining => _end - _pos;

    public bool AtEnd => _pos >= _end;

    /// <summary>Reads the next field key; returns false at the end of the slice.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (_pos >= _end)
        {
            field = 0;
            wireType = WireType.Varint;
            return false;
        }

        int at = _pos;
        ulong key = ReadVarint();
        if (key > uint.MaxValue)
        {
            throw Error(at, "field key out of range");
        }

        field = (int)(key >> 3);
        int wt = (int)(key & 7);
        if (field == 0)
        {
            throw Error(at, "field number 0");
        }

        if (wt == 3 || wt == 4)
        {
            throw Error(at, $"field {field} uses the deprecated group wire type");
        }

        if (wt > 5)
        {
            throw Error(at, $"field {field} has invalid wire type {wt}");
        }

        wireType = (WireType)wt;
        return true;
    }

    public ulong ReadVarint()
    {
        int at = _pos;
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _end)
            {
                throw Error(at, "truncated varint");
            }

            byte b = _data[_pos++];
            if (shift == 63 && b > 1)
            {
                throw Error(at, "varint longer than 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Error(at, "varint longer than 10 bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    /// <summary>An int32 field: protobuf encodes negatives sign-extended to 64 bits; the low 32 bits are the value.</summary>
    public int ReadInt32() => (int)ReadVarint();

    public bool ReadBool() => ReadVarint() != 0;

    public uint ReadFixed32()
    {
        Require(4, "fixed32");
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(_pos, 4));
        _pos += 4;
        return v;
    }

    public ulong ReadFixed64()
    {
        Require(8, "fixed64");
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(_pos, 8));
        _pos += 8;
        return v;
    }

    public float ReadFloat() => BitConverter.Int32BitsToSingle((int)ReadFixed32());

    public double ReadDouble() => BitConverter.Int64BitsToDouble((long)ReadFixed64());

    /// <summary>The length prefix of a length-delimited field, checked against what is left.</summary>
    public int ReadLength()
    {
        int at = _pos;
        ulong len = ReadVarint();
        if (len > (ulong)Remaining)
        {
            throw Error(at, $"length {len} runs past the end of the message ({Remaining} bytes left)");
        }

        return (int)len;
    }

    public byte[] ReadBytes()
    {
        int len = ReadLength();
        byte[] bytes = _data.AsSpan(_pos, len).ToArray();
        _pos += len;
        return bytes;
    }

    public string ReadString()
    {
        int len = ReadLength();
        string s = Encoding.UTF8.GetString(_data, _pos, len);
        _pos += len;
        return s;
    }

    /// <summary>A reader over the embedded message that follows; this reader moves past it.</summary>
    public ProtoReader ReadMessage()
    {
        if (Depth + 1 > MaxDepth)
        {
            throw Error(_pos, $"messages nested deeper than {MaxDepth}");
        }

        int len = ReadLength();
        var sub = new ProtoReader(_data, _pos, _pos + len, Depth + 1);
        _pos += len;
        return sub;
    }

    /// <summary>Skips a field's value (an unknown field).</summary>
    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Require(8, "fixed64");
                _pos += 8;
                break;
            case WireType.LengthDelimited:
                int len = ReadLength();
                _pos += len;
                break;
            case WireType.Fixed32:
                Require(4, "fixed32");
                _pos += 4;
                break;
            default:
                throw Error(_pos, $"cannot skip wire type {(int)wireType}");
        }
    }

    /// <summary>Checks that a field arrived with the wire type its schema declares.</summary>
    public void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
        {
            throw Error(_pos, $"{field} has wire type {(int)actual}, expected {(int)expected}");
        }
    }

    /// <summary>A repeated varint field, packed (one length-delimited run) or not (one value per key).</summary>
    public void ReadRepeatedInt64(WireType wireType, List<long> into, string field)
    {
        if (wireType == WireType.LengthDelimited)
        {
            ProtoReader packed = ReadPacked();
            while (!packed.AtEnd)
            {
                into.Add(packed.ReadInt64());
            }
        }
        else
        {
            Expect(wireType, WireType.Varint, field);
            into.Add(ReadInt64());
        }
    }

    public void ReadRepeatedInt32(WireType wireType, List<int> into, string field)
    {
        if (wireType == WireType.LengthDelimited)
        {
            ProtoReader packed = ReadPacked();
            while (!packed.AtEnd)
            {
                into.Add(packed.ReadInt32());
            }
        }
        else
        {
            Expect(wireType, WireType.Varint, field);
            into.Add(ReadInt32());
        }
    }

    public void ReadRepeatedUInt64(WireType wireType, List<ulong> into, string field)
    {
        if (wireType == WireType.LengthDelimited)
        {
            ProtoReader packed = ReadPacked();
            while (!packed.AtEnd)
            {
                into.Add(packed.ReadVarint());
            }
        }
        else
        {
            Expect(wireType, WireType.Varint, field);
            into.Add(ReadVarint());
        }
    }

    public void ReadRepeatedFloat(WireType wireType, List<float> into, string field)
    {
        if (wireType == WireType.LengthDelimited)
        {
            ProtoReader packed = ReadPacked();
            if (packed.Remaining % 4 != 0)
            {
                throw Error(_pos, $"packed {field} is {packed.Remaining} bytes, not a multiple of 4");
            }

            into.EnsureCapacity(into.Count + (packed.Remaining / 4));
            while (!packed.AtEnd)
            {
                into.Add(packed.ReadFloat());
            }
        }
        else
        {
            Expect(wireType, WireType.Fixed32, field);
            into.Add(ReadFloat());
        }
    }

    public void ReadRepeatedDouble(WireType wireType, List<double> into, string field)
    {
        if (wireType == WireType.LengthDelimited)
        {
            ProtoReader packed = ReadPacked();
            if (packed.Remaining % 8 != 0)
            {
                throw Error(_pos, $"packed {field} is {packed.Remaining} bytes, not a multiple of 8");
            }

            while (!packed.AtEnd)
            {
                into.Add(packed.ReadDouble());
            }
        }
        else
        {
            Expect(wireType, WireType.Fixed64, field);
            into.Add(ReadDouble());
        }
    }

    private ProtoReader ReadPacked()
    {
        int len = ReadLength();
        var sub = new ProtoReader(_data, _pos, _pos + len, Depth);
        _pos += len;
        return sub;
    }

    private void Require(int bytes, string what)
    {
        if (Remaining < bytes)
        {
            throw Error(_pos, $"truncated {what}: {bytes} bytes needed, {Remaining} left");
        }
    }

    private static OnnxFormatException Error(int at, string message) => new($"protobuf: {message} (at byte {at})");
}
