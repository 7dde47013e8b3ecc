using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// One piece of a large artifact (a model, a delta). Every chunk repeats the transfer's identity (id,
    /// content type, chunk count, total length, CRC-32 of the whole artifact), so a receiver can start or
    /// resume from any chunk, and carries the CRC-32 of its own data.
    /// </summary>
    public sealed class ChunkPayload
    {
        public const int MaxChunkBytes = 2048;
        public const int MaxChunks = 0xFFFF;

        public uint TransferId;
        public int ContentType;
        public int Index;
        public int Count;
        public uint TotalLength;
        public uint ArtifactCrc;
        public byte[] Data = new byte[0];

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(24 + Data.Length);
            w.WriteI32((int)TransferId);
            w.WriteU8(ContentType);
            w.WriteU16(Index);
            w.WriteU16(Count);
            w.WriteI32((int)TotalLength);
            w.WriteI32((int)ArtifactCrc);
            w.WriteI32((int)Crc32.Compute(Data, 0, Data.Length));
            PayloadCodec.WriteBlock(w, Data);
            return w.ToArray();
        }

        public static ChunkPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "chunk");
            try
            {
                ChunkPayload c = new ChunkPayload();
                c.TransferId = r.ReadU32("transfer id");
                c.ContentType = r.ReadU8("content type");
                c.Index = r.ReadU16("index");
                c.Count = r.ReadU16("count");
                c.TotalLength = r.ReadU32("total length");
                c.ArtifactCrc = r.ReadU32("artifact crc");
                uint crc = r.ReadU32("chunk crc");
                c.Data = PayloadCodec.ReadBlock(r, "data");
                PayloadCodec.End(r, "chunk");
                if (c.Count == 0 || c.Index >= c.Count)
                {
                    throw PayloadCodec.Invalid("chunk", "index " + c.Index + " of " + c.Count);
                }

                if (c.Data.Length > MaxChunkBytes || c.TotalLength > (uint)c.Count * MaxChunkBytes || c.Data.Length > c.TotalLength)
                {
                    throw PayloadCodec.Invalid("chunk", c.Data.Length + " data bytes, " + c.TotalLength + " in all over " + c.Count + " chunks do not fit");
                }

                uint computed = Crc32.Compute(c.Data, 0, c.Data.Length);
                if (computed != crc)
                {
                    throw new ProtocolException(RejectReason.BadChecksum, "chunk " + c.Index + " of transfer " + c.TransferId + ": data CRC-32 mismatch");
                }

                return c;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "chunk");
            }
        }
    }
}
