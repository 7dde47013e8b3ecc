using System.Buffers.Binary;
using System.Text;

namespace TinyMLOps.Modelling.Onnx.Protobuf;

/// <summary>
/// A protobuf wire writer into a growable buffer. Embedded messages are written by a callback into a nested
/// writer and then copied behind their length prefix. Repeated scalars are written packed.
/// </summary>
public sealed class ProtoWriter
{
    private byte[] _buffer;
    private int _length;

    public ProtoWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(16, capacity)];
    }

    public int Length => _length;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void WriteTag(int field, WireType wireType) => WriteVarint(((ulong)(uint)field << 3) | (uint)wireType);

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint((ulong)value);
    }

    /// <summary>int32 fields are sign-extended to 64 bits on the wire, as protobuf requires.</summary>
    public void WriteInt32(int field, int value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint((ulong)(long)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireType.Fixed32);
        WriteRawFixed32((uint)BitConverter.SingleToInt32Bits(value));
    }

    public void WriteString(int field, string value)
    {
        WriteBytes(field, Encoding.UTF8.GetBytes(value));
    }

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)value.Length);
        WriteRaw(value);
    }

    public void WriteMessage(int field, Action<ProtoWriter> body)
    {
        var nested = new ProtoWriter();
        body(nested);
        WriteBytes(field, nested.WrittenSpan);
    }

    public void WritePackedInt64(int field, IReadOnlyList<long> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        var nested = new ProtoWriter(values.Count * 2);
        foreach (long v in values)
        {
            nested.WriteVarint((ulong)v);
        }

        WriteBytes(field, nested.WrittenSpan);
    }

    public void WritePackedInt32(int field, IReadOnlyList<int> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        var nested = new ProtoWriter(values.Count * 2);
        foreach (int v in values)
        {
            nested.WriteVarint((ulong)(long)v);
        }

        WriteBytes(field, nested.WrittenSpan);
    }

    public void WritePackedFloat(int field, IReadOnlyList<float> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)values.Count * 4);
        Ensure(values.Count * 4);
        foreach (float v in values)
        {
            WriteRawFixed32((uint)BitConverter.SingleToInt32Bits(v));
        }
    }

    public void WritePackedDouble(int field, IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)values.Count * 8);
        Ensure(values.Count * 8);
        foreach (double v in values)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length, 8), BitConverter.DoubleToInt64Bits(v));
            _length += 8;
        }
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void WriteRawFixed32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length, 4), value);
        _length += 4;
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        int size = _buffer.Length;
        while (size < _length + extra)
        {
            size = checked(size * 2);
        }

        Array.Resize(ref _buffer, size);
    }
}
