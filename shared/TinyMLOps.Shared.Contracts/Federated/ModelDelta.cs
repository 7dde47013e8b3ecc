using System;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Federated
{
    /// <summary>One tensor of a federated update: int8 values times one per-tensor scale, dense or top-k sparse.</summary>
    public sealed class DeltaTensor
    {
        public string Name;
        public int ElementCount;
        public float Scale;
        public int Encoding;

        /// <summary>Sparse only: strictly ascending positions of <see cref="Values"/>; null when dense.</summary>
        public int[] Indexes;

        /// <summary>Dense: ElementCount values. Sparse: one per index. Always in [-127, 127].</summary>
        public sbyte[] Values;
    }

    /// <summary>
    /// The wire format of one device update: u8 version, str round id, str base variant id, u32 sample count,
    /// u16 tensor count, then per tensor str name, u32 element count, f32 scale, u8 encoding and the values
    /// (dense: element count int8; sparse: u32 k, k index gaps as LEB128 varints, each the distance to the previous index
    /// less one with the first counted from -1, then k int8). It travels as a chunked
    /// upload, so it is not bound by the message size; the element cap keeps a hostile header from making
    /// the host allocate without limit.
    /// </summary>
    public sealed class ModelDelta
    {
        public const int Version = 1;
        public const int EncodingDense = 0;
        public const int EncodingTopK = 1;

        /// <summary>The chunk content type a device uploads a delta under (models travel down as 1).</summary>
        public const int ContentType = 2;

        /// <summary>4M parameters across all tensors: far above any model a microcontroller trains.</summary>
        public const int MaxTotalElements = 1 << 22;

        /// <summary>Bounds the duplicate-name check (quadratic) and the per-tensor overhead a sender can force.</summary>
        public const int MaxTensors = 256;

        private const string Kind = "model delta";

        public string RoundId;
        public string BaseVariantId;
        public uint SampleCount;
        public DeltaTensor[] Tensors;

        public byte[] Encode()
        {
            if (Tensors == null || Tensors.Length == 0 || Tensors.Length > MaxTensors)
            {
                throw new ArgumentException("a delta carries 1 to " + MaxTensors + " tensors");
            }

            int size = 16 + RoundId.Length + BaseVariantId.Length;
            for (int i = 0; i < Tensors.Length; i++)
            {
                DeltaTensor t = Tensors[i];
                size += 16 + t.Name.Length + (t.Indexes == null ? t.ElementCount : 4 + 5 * t.Indexes.Length);
            }

            ByteWriter w = new ByteWriter(size);
            w.WriteU8(Version);
            w.WriteString(RoundId);
            w.WriteString(BaseVariantId);
            w.WriteI32((int)SampleCount);
            w.WriteU16(Tensors.Length);
            for (int i = 0; i < Tensors.Length; i++)
            {
                DeltaTensor t = Tensors[i];
                w.WriteString(t.Name);
                w.WriteI32(t.ElementCount);
                w.WriteF32(t.Scale);
                w.WriteU8(t.Encoding);
                if (t.Encoding == EncodingDense)
                {
                    if (t.Values.Length != t.ElementCount)
                    {
                        throw new ArgumentException(t.Name + ": dense values must number the element count");
                    }

                    WriteValues(w, t.Values);
                }
                else if (t.Encoding == EncodingTopK)
                {
                    if (t.Indexes.Length != t.Values.Length)
                    {
                        throw new ArgumentException(t.Name + ": one value per index");
                    }

                    w.WriteI32(t.Indexes.Length);
                    int previous = -1;
                    for (int j = 0; j < t.Indexes.Length; j++)
                    {
                        int index = t.Indexes[j];
                        if (index <= previous || index >= t.ElementCount)
                        {
                            throw new ArgumentException(t.Name + ": indexes must ascend within the element count");
                        }

                        WriteVarint(w, (uint)(index - previous - 1));
                        previous = index;
                    }

                    WriteValues(w, t.Values);
                }
                else
                {
                    throw new ArgumentException(t.Name + ": unknown encoding " + t.Encoding);
                }
            }

            return w.ToArray();
        }

        public static ModelDelta Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, Kind);
            try
            {
                int version = r.ReadU8("version");
                if (version != Version)
                {
                    throw PayloadCodec.Invalid(Kind, "version " + version);
                }

                ModelDelta d = new ModelDelta();
                d.RoundId = NonEmpty(PayloadCodec.ReadString(r, Kind, "round id"), "round id");
                d.BaseVariantId = NonEmpty(PayloadCodec.ReadString(r, Kind, "base variant id"), "base variant id");
                d.SampleCount = r.ReadU32("sample count");
                if (d.SampleCount == 0)
                {
                    // The host weights updates by sample count: a zero-sample update is never legitimate.
                    throw PayloadCodec.Invalid(Kind, "sample count 0");
                }

                int count = r.ReadU16("tensor count");
                if (count == 0 || count > MaxTensors)
                {
                    throw PayloadCodec.Invalid(Kind, "tensor count " + count);
                }

                d.Tensors = new DeltaTensor[count];
                long total = 0;
                for (int i = 0; i < count; i++)
                {
                    DeltaTensor t = new DeltaTensor();
                    t.Name = NonEmpty(PayloadCodec.ReadString(r, Kind, "tensor name"), "tensor name");
                    for (int j = 0; j < i; j++)
                    {
                        if (d.Tensors[j].Name == t.Name)
                        {
                            throw PayloadCodec.Invalid(Kind, "tensor " + t.Name + " appears twice");
                        }
                    }

                    uint n = r.ReadU32("element count");
                    if (n == 0 || n > MaxTotalElements || total + n > MaxTotalElements)
                    {
                        throw PayloadCodec.Invalid(Kind, t.Name + ": element count " + n + " (total cap " + MaxTotalElements + ")");
                    }

                    total += n;
                    t.ElementCount = (int)n;
                    t.Scale = r.ReadF32("scale");
                    // Written so NaN fails too (every comparison with NaN is false).
                    if (!(t.Scale >= 0) || float.IsInfinity(t.Scale))
                    {
                        throw PayloadCodec.Invalid(Kind, t.Name + ": scale " + t.Scale);
                    }

                    t.Encoding = r.ReadU8("encoding");
                    if (t.Encoding == EncodingDense)
                    {
                        t.Values = ReadValues(r, t.ElementCount, t.Name);
                    }
                    else if (t.Encoding == EncodingTopK)
                    {
                        uint k = r.ReadU32("k");
                        if (k > n)
                        {
                            throw PayloadCodec.Invalid(Kind, t.Name + ": k " + k + " above element count " + n);
                        }

                        // Every entry takes at least two bytes (a gap and a value): check they can be there before allocating.
                        r.Require((int)k * 2, "sparse block");
                        t.Indexes = new int[(int)k];
                        long previous = -1;
                        for (int j = 0; j < (int)k; j++)
                        {
                            long index = previous + 1 + ReadVarint(r, t.Name);
                            if (index >= n)
                            {
                                throw PayloadCodec.Invalid(Kind, t.Name + ": index " + index + " beyond element count " + n);
                            }

                            t.Indexes[j] = (int)index;
                            previous = index;
                        }

                        t.Values = ReadValues(r, (int)k, t.Name);
                    }
                    else
                    {
                        throw PayloadCodec.Invalid(Kind, t.Name + ": encoding " + t.Encoding);
                    }

                    d.Tensors[i] = t;
                }

                PayloadCodec.End(r, Kind);
                return d;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, Kind);
            }
        }

        /// <summary>The tensor of that name, or null.</summary>
        public DeltaTensor Find(string name)
        {
            for (int i = 0; i < Tensors.Length; i++)
            {
                if (Tensors[i].Name == name)
                {
                    return Tensors[i];
                }
            }

            return null;
        }

        private static string NonEmpty(string s, string what)
        {
            if (s.Length == 0)
            {
                throw PayloadCodec.Invalid(Kind, what + " is empty");
            }

            return s;
        }

        /// <summary>LEB128: 7 bits a byte, low bits first, high bit set on every byte but the last.</summary>
        private static void WriteVarint(ByteWriter w, uint value)
        {
            while (value >= 0x80)
            {
                w.WriteU8((int)((value & 0x7F) | 0x80));
                value >>= 7;
            }

            w.WriteU8((int)value);
        }

        private static long ReadVarint(ByteReader r, string name)
        {
            long value = 0;
            for (int shift = 0; shift < 35; shift += 7)
            {
                int b = r.ReadU8("index gap");
                value |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    if (shift > 0 && b == 0)
                    {
                        throw PayloadCodec.Invalid(Kind, name + ": index gap not in its shortest form");
                    }

                    return value;
                }
            }

            throw PayloadCodec.Invalid(Kind, name + ": index gap longer than 5 bytes");
        }

        private static void WriteValues(ByteWriter w, sbyte[] values)
        {
            byte[] raw = new byte[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] == -128)
                {
                    throw new ArgumentException("int8 value -128: the quantizer is symmetric");
                }

                raw[i] = (byte)values[i];
            }

            w.WriteBytes(raw, 0, raw.Length);
        }

        private static sbyte[] ReadValues(ByteReader r, int count, string name)
        {
            int start = r.Skip(count, "values");
            byte[] data = r.Data;
            sbyte[] values = new sbyte[count];
            for (int i = 0; i < count; i++)
            {
                int b = data[start + i];
                if (b == 0x80)
                {
                    // -128 has no positive twin; rejecting it keeps decode then encode byte-identical and symmetric.
                    throw PayloadCodec.Invalid(Kind, name + ": int8 value -128");
                }

                values[i] = (sbyte)b;
            }

            return values;
        }
    }
}
