using System.Text;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Keys and tags of authenticated envelopes (docs/protocol.md). Each direction has its own key, derived from the
    /// device's artifact key: HMAC-SHA256(device key, domain), so an uplink tag never verifies as a downlink one and
    /// neither is an artifact or receipt tag. The tag is HMAC-SHA256(direction key, envelope bytes before the tag),
    /// truncated to <see cref="WireCodec.TagBytes"/>: it covers version, kind, flags, device id, sequence, timestamp and payload.
    /// </summary>
    public static class EnvelopeKeys
    {
        public const string UplinkDomain = "tinymlops-uplink-key-v1";
        public const string DownlinkDomain = "tinymlops-downlink-key-v1";

        /// <summary>The key a device tags its uplinks with; null without a device key.</summary>
        public static byte[] Uplink(byte[] deviceKey)
        {
            return Derive(deviceKey, UplinkDomain);
        }

        /// <summary>The key the host tags a device's downlinks (acks, commands, chunks) with; null without a device key.</summary>
        public static byte[] Downlink(byte[] deviceKey)
        {
            return Derive(deviceKey, DownlinkDomain);
        }

        /// <summary>The truncated tag of <paramref name="count"/> bytes of <paramref name="data"/> from <paramref name="offset"/>.</summary>
        public static byte[] Tag(byte[] key, byte[] data, int offset, int count)
        {
            // The streaming hasher reads the envelope in place (no copy of up to 4 KB) and runs on every nanoCLR,
            // including the POSIX one without native HMAC.
            HmacSha256Hasher hmac = new HmacSha256Hasher(key);
            hmac.Update(data, offset, count);
            byte[] full = hmac.Final();
            byte[] tag = new byte[WireCodec.TagBytes];
            System.Array.Copy(full, 0, tag, 0, WireCodec.TagBytes);
            return tag;
        }

        private static byte[] Derive(byte[] deviceKey, string domain)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                return null;
            }

            byte[] message = Encoding.UTF8.GetBytes(domain);
            HmacSha256Hasher hmac = new HmacSha256Hasher(deviceKey);
            hmac.Update(message, 0, message.Length);
            return hmac.Final();
        }
    }
}
