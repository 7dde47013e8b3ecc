using System.Security.Cryptography;
using System.Text;

namespace TinyMLOps.Shared.Util
{
    /// <summary>
    /// The authentication tag of a model artifact, computed the same way by the host (which signs) and the device
    /// (which checks): HMAC-SHA256(device key, "tinymlops-artifact-v1" || content hash || variant id), where the
    /// content hash is the model's 32-byte SHA-256 of its body (docs/model-format.md) and the variant id is its
    /// UTF-8 bytes. The domain string and the fixed-length hash make the message unambiguous; the variant id binds
    /// the artifact to the role slot it was signed for.
    /// </summary>
    public static class ArtifactTag
    {
        public const string Domain = "tinymlops-artifact-v1";
        public const int HashBytes = 32;
        public const int TagBytes = 32;

        /// <summary>The bytes the tag covers.</summary>
        public static byte[] Message(byte[] contentHash, string variantId)
        {
            if (contentHash == null || contentHash.Length != HashBytes)
            {
                throw new System.ArgumentException("the content hash must be " + HashBytes + " bytes");
            }

            byte[] domain = Encoding.UTF8.GetBytes(Domain);
            byte[] variant = variantId == null || variantId.Length == 0 ? new byte[0] : Encoding.UTF8.GetBytes(variantId);
            int domainLength = domain.Length;
            byte[] message = new byte[domainLength + HashBytes + variant.Length];
            System.Array.Copy(domain, 0, message, 0, domainLength);
            System.Array.Copy(contentHash, 0, message, domainLength, HashBytes);
            System.Array.Copy(variant, 0, message, domainLength + HashBytes, variant.Length);
            return message;
        }

        /// <summary>The 32-byte tag of an artifact for one device key.</summary>
        public static byte[] Compute(byte[] deviceKey, byte[] contentHash, string variantId)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                throw new System.ArgumentException("a device key is required");
            }

            byte[] message = Message(contentHash, variantId);
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

        /// <summary>Compares two byte strings in time that depends only on their lengths (no early exit).</summary>
        public static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a == null || b == null || a.Length != b.Length)
            {
                return false;
            }

            int difference = 0;
            for (int i = 0; i < a.Length; i++)
            {
                difference |= a[i] ^ b[i];
            }

            return difference == 0;
        }
    }
}
