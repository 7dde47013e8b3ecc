using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Metering
{
    /// <summary>
    /// A signed count of inferences (kind <see cref="MessageKind.UsageReceipt"/>): one model and variant, the
    /// counter range [First, First + Count), the device-clock window it ran in, and the hash of the previous
    /// receipt of the device, so receipts form one chain per device (docs/metering.md). Encoding: body || tag,
    /// tag = HMAC-SHA256(device key, "tinymlops-receipt-v1" || body). Version 2 appends the range's
    /// <see cref="QuerySignals"/> to the body; version 1 (no signals) still decodes.
    /// </summary>
    public sealed class UsageReceipt
    {
        /// <summary>The newest format: with <see cref="Signals"/>.</summary>
        public const int Version = 2;

        /// <summary>The first format, without signals; a receipt with null <see cref="Signals"/> is encoded in it.</summary>
        public const int VersionWithoutSignals = 1;

        /// <summary>The range includes a reserved counter block taken as used after a reboot or power loss.</summary>
        public const int FlagRecovered = 1;

        private const string Kind = "usage-receipt";
        private const ulong MaxCounter = 0xFFFFFFFFFFFFFFFFUL;

        public string DeviceId = "";
        public string ModelId = "";
        public string VariantId = "";

        /// <summary>1, 2, 3, ... per device across all models: the chain index.</summary>
        public uint ReceiptSeq;

        /// <summary>The first counter value covered (each model's counter starts at 0).</summary>
        public ulong First;

        /// <summary>How many counter values are covered, at least 1.</summary>
        public uint Count;

        public uint WindowStart;
        public uint WindowEnd;
        public uint BootCount;

        /// <summary>The quota token in force for the range, 0 for none.</summary>
        public uint QuotaTokenId;

        /// <summary>Inferences of the range run on grace beyond the token's allowance (billed later).</summary>
        public uint GraceCount;

        public int Flags;

        /// <summary>SHA-256 of the previous receipt's encoding; 32 zero bytes for receipt 1.</summary>
        public byte[] PrevHash = new byte[MeterTags.HashBytes];

        /// <summary>The extraction signals of the range (version 2), or null (version 1).</summary>
        public QuerySignals Signals;

        public byte[] Tag;

        /// <summary>One past the last counter value covered.</summary>
        public ulong Limit
        {
            get { return First + Count; }
        }

        public bool Recovered
        {
            get { return (Flags & FlagRecovered) != 0; }
        }

        /// <summary>The bytes the tag covers.</summary>
        public byte[] Body()
        {
            if (PrevHash == null || PrevHash.Length != MeterTags.HashBytes)
            {
                throw new System.ArgumentException("the previous hash must be " + MeterTags.HashBytes + " bytes");
            }

            ByteWriter w = new ByteWriter(80 + QuerySignals.EncodedBytes + DeviceId.Length + ModelId.Length + VariantId.Length);
            w.WriteU8(Signals == null ? VersionWithoutSignals : Version);
            w.WriteString(DeviceId);
            w.WriteString(ModelId);
            w.WriteString(VariantId);
            w.WriteI32((int)ReceiptSeq);
            w.WriteI64((long)First);
            w.WriteI32((int)Count);
            w.WriteI32((int)WindowStart);
            w.WriteI32((int)WindowEnd);
            w.WriteI32((int)BootCount);
            w.WriteI32((int)QuotaTokenId);
            w.WriteI32((int)GraceCount);
            w.WriteU8(Flags);
            w.WriteBytes(PrevHash, 0, MeterTags.HashBytes);
            if (Signals != null)
            {
                Signals.Write(w);
            }

            return w.ToArray();
        }

        public void Sign(byte[] deviceKey)
        {
            Tag = MeterTags.Compute(deviceKey, MeterTags.ReceiptDomain, Body());
        }

        /// <summary>Whether the tag is the device key's tag of the body (fixed time).</summary>
        public bool VerifyTag(byte[] deviceKey)
        {
            return MeterTags.Verify(deviceKey, MeterTags.ReceiptDomain, Body(), Tag);
        }

        /// <summary>body || tag; the receipt must be signed.</summary>
        public byte[] Encode()
        {
            return MeterTags.Join(Body(), Tag);
        }

        /// <summary>SHA-256 of <see cref="Encode"/>: the next receipt's <see cref="PrevHash"/>.</summary>
        public byte[] Hash()
        {
            byte[] encoding = Encode();
            return Sha256.Compute(encoding, 0, encoding.Length);
        }

        /// <summary>Parses and checks the structure (not the tag nor the chain, which need the key and the ledger).</summary>
        public static UsageReceipt Decode(byte[] payload)
        {
            int version;
            ByteReader r = MeterTags.OpenBody(payload, Kind, VersionWithoutSignals, Version, out version);
            int bodyEnd = payload.Length - MeterTags.TagBytes;
            try
            {
                UsageReceipt u = new UsageReceipt();
                u.DeviceId = PayloadCodec.ReadString(r, Kind, "device id");
                u.ModelId = PayloadCodec.ReadString(r, Kind, "model id");
                u.VariantId = PayloadCodec.ReadString(r, Kind, "variant id");
                u.ReceiptSeq = r.ReadU32("receipt seq");
                u.First = r.ReadU64("first");
                u.Count = r.ReadU32("count");
                u.WindowStart = r.ReadU32("window start");
                u.WindowEnd = r.ReadU32("window end");
                u.BootCount = r.ReadU32("boot count");
                u.QuotaTokenId = r.ReadU32("quota token id");
                u.GraceCount = r.ReadU32("grace count");
                u.Flags = r.ReadU8("flags");
                int hashAt = r.Skip(MeterTags.HashBytes, "previous hash");
                u.PrevHash = new byte[MeterTags.HashBytes];
                System.Array.Copy(payload, hashAt, u.PrevHash, 0, MeterTags.HashBytes);
                if (version >= Version)
                {
                    u.Signals = QuerySignals.Read(r, Kind, u.Count);
                }

                PayloadCodec.End(r, Kind);

                if (u.DeviceId.Length == 0 || u.ModelId.Length == 0 || u.VariantId.Length == 0)
                {
                    throw PayloadCodec.Invalid(Kind, "empty device, model or variant id");
                }

                if (u.ReceiptSeq == 0)
                {
                    throw PayloadCodec.Invalid(Kind, "receipt seq 0");
                }

                if (u.Count == 0)
                {
                    throw PayloadCodec.Invalid(Kind, "count 0");
                }

                if (u.First > MaxCounter - u.Count)
                {
                    throw PayloadCodec.Invalid(Kind, "counter range overflows");
                }

                if (u.WindowEnd < u.WindowStart)
                {
                    throw PayloadCodec.Invalid(Kind, "window ends before it starts");
                }

                if (u.GraceCount > u.Count)
                {
                    throw PayloadCodec.Invalid(Kind, "grace count " + u.GraceCount + " above count " + u.Count);
                }

                if ((u.Flags & ~FlagRecovered) != 0)
                {
                    throw PayloadCodec.Invalid(Kind, "unknown flags " + u.Flags);
                }

                u.Tag = new byte[MeterTags.TagBytes];
                System.Array.Copy(payload, bodyEnd, u.Tag, 0, MeterTags.TagBytes);
                return u;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, Kind);
            }
        }
    }
}
