using System.Buffers.Binary;

namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>A head's float tensors as bytes (u16 count, then per tensor u32 length and little-endian f32 values), for the round's record.</summary>
public static class HeadTensors
{
    public static byte[] Encode(float[][] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        int size = 2 + tensors.Sum(t => 4 + (4 * t.Length));
        var bytes = new byte[size];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)tensors.Length);
        int at = 2;
        foreach (var t in tensors)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), t.Length);
            at += 4;
            foreach (float v in t)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), v);
                at += 4;
            }
        }

        return bytes;
    }

    public static float[][] Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 2)
        {
            throw new InvalidDataException("a head record is at least 2 bytes");
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        var tensors = new float[count][];
        int at = 2;
        for (int i = 0; i < count; i++)
        {
            if (at + 4 > bytes.Length)
            {
                throw new InvalidDataException("head record truncated");
            }

            int n = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            at += 4;
            if (n < 0 || (long)at + (4L * n) > bytes.Length)
            {
                throw new InvalidDataException("head record truncated");
            }

            tensors[i] = new float[n];
            for (int j = 0; j < n; j++, at += 4)
            {
                tensors[i][j] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at));
            }
        }

        if (at != bytes.Length)
        {
            throw new InvalidDataException("trailing bytes after the head record");
        }

        return tensors;
    }
}
