using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Metering
{
    /// <summary>
    /// The tags of metering messages: HMAC-SHA256(device key, UTF8(domain) || body). The same per-device key
    /// signs artifacts, receipts and quota tokens; the domain prefix keeps a tag of one kind from ever being
    /// valid for another (docs/metering.md).
    /// </summary>
    public static class MeterTags
    {
        public const string ReceiptDomain = "tinymlops-receipt-v1";
        public const string QuotaDomain = "tinymlops-quota-v1";
        public const int TagBytes = 32;
        public const int HashBytes = 32;

        /// <summary>
        /// A reader over the body of a tagged encoding (body || 32-byte tag), positioned after the body's version byte,
        /// which must be <paramref name="version"/>. Every failure is a <see cref="ProtocolException"/> naming the kind.
        /// </summary>
        public static ByteReader OpenBody(byte[] payload, string kind, int version)
        {
            if (payload == null)
            {
                throw PayloadCodec.Invalid(kind, "no payload");
            }

            if (payload.Length < TagBytes)
            {
                throw PayloadCodec.Invalid(kind, "truncated: " + payload.Length + " bytes, shorter than the tag");
            }

            ByteReader r = new ByteReader(payload, 0, payload.Length - TagBytes);
            int found;
            try
            {
                found = r.ReadU8("version");
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, kind);
            }

            if (found != version)
            {
                throw PayloadCodec.Invalid(kind, "version " + found);
            }

            return r;
        }

        /// <summary>Like <see cref="OpenBody(byte[], string, int)"/> for a format with versions <paramref name="oldest"/>..<paramref name="newest"/>; returns the one found.</summary>
        public static ByteReader OpenBody(byte[] payload, string kind, int oldest, int newest, out int found)
        {
            if (payload == null)
            {
                throw PayloadCodec.Invalid(kind, "no payload");
            }

            if (payload.Length < TagBytes + 1)
            {
                throw PayloadCodec.Invalid(kind, "truncated: " + payload.Length + " bytes, shorter than the tag");
            }

            found = payload[0];
            if (found < oldest || found > newest)
            {
                throw PayloadCodec.Invalid(kind, "version " + found);
            }

            return OpenBody(payload, kind, found);
        }

        /// <summary>The 32-byte tag of a body under one domain.</summary>
        public static byte[] Compute(byte[] deviceKey, string domain, byte[] body)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                throw new System.ArgumentException("a device key is required");
            }

            byte[] prefix = Encoding.UTF8.GetBytes(domain);
            byte[] message = new byte[prefix.Length + body.Length];
            System.Array.Copy(prefix, 0, message, 0, prefix.Length);
            System.Array.Copy(body, 0, message, prefix.Length, body.Length);
            HMACSHA256 hmac = new HMACSHA256(deviceKey);
            try
            {
                return hmac.ComputeHash(message);
            }
            finally
            {
                hmac.Dispose();
            }
        }

        /// <summary>Checks a tag in time independent of where it differs; false for a missing key or tag.</summary>
        public static bool Verify(byte[] deviceKey, string domain, byte[] body, byte[] tag)
        {
            if (deviceKey == null || deviceKey.Length == 0 || tag == null || tag.Length != TagBytes)
            {
                return false;
            }

            return ArtifactTag.FixedTimeEquals(Compute(deviceKey, domain, body), tag);
        }

        /// <summary>body || tag, the wire form of a signed metering message.</summary>
        internal static byte[] Join(byte[] body, byte[] tag)
        {
            if (tag == null || tag.Length != TagBytes)
            {
                throw new System.ArgumentException("not signed: the tag must be " + TagBytes + " bytes");
            }

            byte[] encoding = new byte[body.Length + TagBytes];
            System.Array.Copy(body, 0, encoding, 0, body.Length);
            System.Array.Copy(tag, 0, encoding, body.Length, TagBytes);
            return encoding;
        }
    }
}
