using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// A receiver's progress on one transfer: a bitmap of the chunks it holds (bit i of byte i/8).
    /// Sent after a reconnect or a gap, so the sender resends only what is missing. Bits past the last chunk
    /// are 0, and a complete transfer has every bit set.
    /// </summary>
    public sealed class ChunkStatusPayload
    {
        public uint TransferId;
        public int Count;
        public bool Complete;
        public byte[] Received = new byte[0];

        public bool Has(int index)
        {
            return (Received[index >> 3] & (1 << (index & 7))) != 0;
        }

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(12 + Received.Length);
            w.WriteI32((int)TransferId);
            w.WriteU16(Count);
            w.WriteU8(Complete ? 1 : 0);
            PayloadCodec.WriteBlock(w, Received);
            return w.ToArray();
        }

        public static ChunkStatusPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "chunk-status");
            try
            {
                ChunkStatusPayload s = new ChunkStatusPayload();
                s.TransferId = r.ReadU32("transfer id");
                s.Count = r.ReadU16("count");
                int complete = r.ReadU8("complete");
                if (complete > 1)
                {
                    throw PayloadCodec.Invalid("chunk-status", "complete flag " + complete);
                }

                s.Complete = complete == 1;
                s.Received = PayloadCodec.ReadBlock(r, "bitmap");
                PayloadCodec.End(r, "chunk-status");
                if (s.Count == 0 || s.Received.Length != (s.Count + 7) / 8)
                {
                    throw PayloadCodec.Invalid("chunk-status", "bitmap of " + s.Received.Length + " bytes for " + s.Count + " chunks");
                }

                int last = s.Received.Length - 1;
                int used = s.Count - (8 * last);
                if ((s.Received[last] >> used) != 0)
                {
                    throw PayloadCodec.Invalid("chunk-status", "bits past chunk " + (s.Count - 1) + " are set");
                }

                if (s.Complete)
                {
                    for (int i = 0; i < s.Count; i++)
                    {
                        if (!s.Has(i))
                        {
                            throw PayloadCodec.Invalid("chunk-status", "complete but chunk " + i + " is missing");
                        }
                    }
                }

                return s;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "chunk-status");
            }
        }
    }
}
