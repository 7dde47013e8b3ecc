using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Metering
{
    /// <summary>
    /// A prepaid allowance of inferences of one model on one device, issued by the host and sent down as the
    /// command <see cref="CommandName"/> whose arguments are this encoding. The device enforces it offline until
    /// <see cref="ExpiresAt"/> (device clock); past the allowance, <see cref="OverrunPolicy"/> applies.
    /// Encoding: body || tag, tag = HMAC-SHA256(device key, "tinymlops-quota-v1" || body).
    /// </summary>
    public sealed class QuotaToken
    {
        public const int Version = 1;
        public const string CommandName = "quota-grant";

        public const int PolicyRefuse = 1;
        public const int PolicyFreeVariant = 2;
        public const int PolicyGrace = 3;

        private const string Kind = "quota-token";

        public string DeviceId = "";
        public string ModelId = "";

        /// <summary>Per device, strictly increasing as issued; 0 is never issued (receipts use it for "none").</summary>
        public uint TokenId;

        /// <summary>Inferences the token pays for.</summary>
        public ulong Allowance;

        public uint IssuedAt;
        public uint ExpiresAt;
        public int OverrunPolicy = PolicyRefuse;

        /// <summary>Inferences allowed on grace after the allowance (policy <see cref="PolicyGrace"/>).</summary>
        public uint GraceAllowance;

        public byte[] Tag;

        public static string PolicyName(int policy)
        {
            switch (policy)
            {
                case PolicyRefuse: return "refuse";
                case PolicyFreeVariant: return "free-variant";
                case PolicyGrace: return "grace";
                default: return "policy-" + policy;
            }
        }

        public byte[] Body()
        {
            ByteWriter w = new ByteWriter(40 + DeviceId.Length + ModelId.Length);
            w.WriteU8(Version);
            w.WriteString(DeviceId);
            w.WriteString(ModelId);
            w.WriteI32((int)TokenId);
            w.WriteI64((long)Allowance);
            w.WriteI32((int)IssuedAt);
            w.WriteI32((int)ExpiresAt);
            w.WriteU8(OverrunPolicy);
            w.WriteI32((int)GraceAllowance);
            return w.ToArray();
        }

        public void Sign(byte[] deviceKey)
        {
            Tag = MeterTags.Compute(deviceKey, MeterTags.QuotaDomain, Body());
        }

        public bool VerifyTag(byte[] deviceKey)
        {
            return MeterTags.Verify(deviceKey, MeterTags.QuotaDomain, Body(), Tag);
        }

        public byte[] Encode()
        {
            return MeterTags.Join(Body(), Tag);
        }

        /// <summary>Parses and checks the structure; the tag, device and replay checks are the device's.</summary>
        public static QuotaToken Decode(byte[] payload)
        {
            ByteReader r = MeterTags.OpenBody(payload, Kind, Version);
            int bodyEnd = payload.Length - MeterTags.TagBytes;
            try
            {
                QuotaToken t = new QuotaToken();
                t.DeviceId = PayloadCodec.ReadString(r, Kind, "device id");
                t.ModelId = PayloadCodec.ReadString(r, Kind, "model id");
                t.TokenId = r.ReadU32("token id");
                t.Allowance = r.ReadU64("allowance");
                t.IssuedAt = r.ReadU32("issued at");
                t.ExpiresAt = r.ReadU32("expires at");
                t.OverrunPolicy = r.ReadU8("overrun policy");
                t.GraceAllowance = r.ReadU32("grace allowance");
                PayloadCodec.End(r, Kind);

                if (t.DeviceId.Length == 0 || t.ModelId.Length == 0)
                {
                    throw PayloadCodec.Invalid(Kind, "empty device or model id");
                }

                if (t.TokenId == 0)
                {
                    throw PayloadCodec.Invalid(Kind, "token id 0");
                }

                if (t.ExpiresAt <= t.IssuedAt)
                {
                    throw PayloadCodec.Invalid(Kind, "expires at or before it is issued");
                }

                if (t.OverrunPolicy < PolicyRefuse || t.OverrunPolicy > PolicyGrace)
                {
                    throw PayloadCodec.Invalid(Kind, "overrun policy " + t.OverrunPolicy);
                }

                t.Tag = new byte[MeterTags.TagBytes];
                System.Array.Copy(payload, bodyEnd, t.Tag, 0, MeterTags.TagBytes);
                return t;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, Kind);
            }
        }
    }
}
