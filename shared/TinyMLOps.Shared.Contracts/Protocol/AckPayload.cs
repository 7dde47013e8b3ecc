using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// The host's application-level ack: the sequence ranges it has durably stored. Ranges are inclusive,
    /// ascending and disjoint. A device deletes an outbox entry only when an ack covers it; acking a
    /// sequence again is harmless, so the host re-acks duplicates.
    /// </summary>
    public sealed class AckPayload
    {
        public const int MaxRanges = 256;

        private readonly uint[] _first;
        private readonly uint[] _last;

        public AckPayload(uint[] first, uint[] last)
        {
            _first = first;
            _last = last;
        }

        public int RangeCount
        {
            get { return _first.Length; }
        }

        public uint First(int range)
        {
            return _first[range];
        }

        public uint Last(int range)
        {
            return _last[range];
        }

        public bool Covers(uint sequence)
        {
            for (int i = 0; i < _first.Length; i++)
            {
                if (sequence >= _first[i] && sequence <= _last[i])
                {
                    return true;
                }
            }

            return false;
        }

        public byte[] Encode()
        {
            if (_first.Length != _last.Length || _first.Length == 0 || _first.Length > MaxRanges)
            {
                throw new System.ArgumentException("an ack holds 1 to " + MaxRanges + " ranges");
            }

            ByteWriter w = new ByteWriter(2 + (8 * _first.Length));
            w.WriteU16(_first.Length);
            for (int i = 0; i < _first.Length; i++)
            {
                w.WriteI32((int)_first[i]);
                w.WriteI32((int)_last[i]);
            }

            return w.ToArray();
        }

        public static AckPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "ack");
            try
            {
                int count = r.ReadU16("range count");
                if (count == 0 || count > MaxRanges)
                {
                    throw PayloadCodec.Invalid("ack", count + " ranges, allowed 1 to " + MaxRanges);
                }

                uint[] first = new uint[count];
                uint[] last = new uint[count];
                for (int i = 0; i < count; i++)
                {
                    first[i] = r.ReadU32("range first");
                    last[i] = r.ReadU32("range last");
                    if (first[i] == 0 || last[i] < first[i])
                    {
                        throw PayloadCodec.Invalid("ack", "range " + first[i] + ".." + last[i] + " is empty or starts at 0");
                    }

                    if (i > 0 && first[i] <= last[i - 1])
                    {
                        throw PayloadCodec.Invalid("ack", "ranges are not ascending and disjoint at range " + i);
                    }
                }

                PayloadCodec.End(r, "ack");
                return new AckPayload(first, last);
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "ack");
            }
        }
    }
}
