using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// What a full outbox dropped, per message kind: how many and the sequence range they held. The host
    /// records it against the device, so a gap in the sequence numbers is explained, never silent.
    /// </summary>
    public sealed class DroppedPayload
    {
        public const int MaxEntries = 32;

        public int[] Kinds = new int[0];
        public uint[] Counts = new uint[0];
        public uint[] FirstSequences = new uint[0];
        public uint[] LastSequences = new uint[0];

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(1 + (13 * Kinds.Length));
            w.WriteU8(Kinds.Length);
            for (int i = 0; i < Kinds.Length; i++)
            {
                w.WriteU8(Kinds[i]);
                w.WriteI32((int)Counts[i]);
                w.WriteI32((int)FirstSequences[i]);
                w.WriteI32((int)LastSequences[i]);
            }

            return w.ToArray();
        }

        public static DroppedPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "dropped");
            try
            {
                int n = r.ReadU8("entry count");
                if (n == 0 || n > MaxEntries)
                {
                    throw PayloadCodec.Invalid("dropped", n + " entries, allowed 1 to " + MaxEntries);
                }

                DroppedPayload d = new DroppedPayload();
                d.Kinds = new int[n];
                d.Counts = new uint[n];
                d.FirstSequences = new uint[n];
                d.LastSequences = new uint[n];
                for (int i = 0; i < n; i++)
                {
                    d.Kinds[i] = r.ReadU8("kind");
                    d.Counts[i] = r.ReadU32("count");
                    d.FirstSequences[i] = r.ReadU32("first sequence");
                    d.LastSequences[i] = r.ReadU32("last sequence");
                    if (d.Kinds[i] == 0 || d.Kinds[i] >= MessageKind.FirstDownlink)
                    {
                        throw PayloadCodec.Invalid("dropped", "entry " + i + " names kind " + d.Kinds[i] + ", not an uplink kind");
                    }

                    if (d.Counts[i] == 0 || d.FirstSequences[i] == 0 || d.LastSequences[i] < d.FirstSequences[i])
                    {
                        throw PayloadCodec.Invalid("dropped", "entry " + i + " is empty, starts at sequence 0 or its range is reversed");
                    }

                    if (d.Counts[i] - 1 > d.LastSequences[i] - d.FirstSequences[i])
                    {
                        throw PayloadCodec.Invalid("dropped", "entry " + i + " counts " + d.Counts[i] + " messages in a range of " + (d.LastSequences[i] - d.FirstSequences[i] + 1UL) + " sequences");
                    }
                }

                PayloadCodec.End(r, "dropped");
                return d;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "dropped");
            }
        }
    }
}
