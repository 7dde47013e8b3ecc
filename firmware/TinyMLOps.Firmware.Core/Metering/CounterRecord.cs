using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// One record of the counter log: "from counter value <see cref="Start"/> on, inferences of this model run
    /// <see cref="VariantId"/> under <see cref="TokenId"/> (on grace or not), and values below <see cref="End"/>
    /// are reserved". A record is written for each new block (a reservation), for a change of variant, token or
    /// grace inside a block, and for a checkpoint (End = Start: nothing reserved beyond what was used).
    /// Body: u8 version, u8 flags (bit0 grace, bit1 after-open), str model, str variant, u64 start, u64 end,
    /// u32 token id, u32 unix time, u32 boot count.
    /// </summary>
    public sealed class CounterRecord
    {
        public const int Version = 1;
        public const int FlagGrace = 1;

        /// <summary>The first record of its model written after the counter was opened: the block before it was taken as used.</summary>
        public const int FlagAfterOpen = 2;

        public string ModelId = "";
        public string VariantId = "";
        public ulong Start;
        public ulong End;
        public uint TokenId;
        public bool Grace;
        public bool AfterOpen;

        /// <summary>Device clock when written: the time of the inference (or decision) that needed it.</summary>
        public uint Unix;

        public uint BootCount;

        /// <summary>In memory only: the latest inference counted in this record during this boot (Unix for older records).</summary>
        public uint LastUnix;

        /// <summary>In memory only: the block was taken as used at a restart, so its values may include some that never ran.</summary>
        public bool Recovered;

        public bool SameKey(string variantId, uint tokenId, bool grace)
        {
            return VariantId == variantId && TokenId == tokenId && Grace == grace;
        }

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(48 + ModelId.Length + VariantId.Length);
            w.WriteU8(Version);
            w.WriteU8((Grace ? FlagGrace : 0) | (AfterOpen ? FlagAfterOpen : 0));
            w.WriteString(ModelId);
            w.WriteString(VariantId);
            w.WriteI64((long)Start);
            w.WriteI64((long)End);
            w.WriteI32((int)TokenId);
            w.WriteI32((int)Unix);
            w.WriteI32((int)BootCount);
            return w.ToArray();
        }

        /// <summary>The record, or null when the body is not a record of this version (a reader stops there).</summary>
        public static CounterRecord Decode(byte[] buffer, int offset, int length)
        {
            try
            {
                ByteReader r = new ByteReader(buffer, offset, offset + length);
                if (r.ReadU8("version") != Version)
                {
                    return null;
                }

                int flags = r.ReadU8("flags");
                CounterRecord c = new CounterRecord();
                c.Grace = (flags & FlagGrace) != 0;
                c.AfterOpen = (flags & FlagAfterOpen) != 0;
                c.ModelId = r.ReadString("model");
                c.VariantId = r.ReadString("variant");
                c.Start = r.ReadU64("start");
                c.End = r.ReadU64("end");
                c.TokenId = r.ReadU32("token");
                c.Unix = r.ReadU32("unix");
                c.BootCount = r.ReadU32("boot");
                c.LastUnix = c.Unix;
                if (r.Remaining != 0 || c.ModelId.Length == 0 || c.End < c.Start || (flags & ~(FlagGrace | FlagAfterOpen)) != 0)
                {
                    return null;
                }

                return c;
            }
            catch (TinyMLOps.Shared.Model.ModelFormatException)
            {
                return null;
            }
        }
    }
}
