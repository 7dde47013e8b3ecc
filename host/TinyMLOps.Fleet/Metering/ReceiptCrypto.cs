using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Fleet.Metering;

/// <summary>
/// The receipt tag and hash checked over the received bytes with the platform's SHA-256 and HMAC, instead of
/// re-encoding the decoded fields and the portable SHA-256 the shared (device) code uses. The results are the
/// same (the decoder accepts only the canonical encoding); this is several times faster on the host.
/// </summary>
public static class ReceiptCrypto
{
    private static readonly byte[] Domain = Encoding.UTF8.GetBytes(MeterTags.ReceiptDomain);

    /// <summary>SHA-256 of a receipt's encoding: what the next receipt names as its previous hash.</summary>
    public static byte[] Hash(byte[] encoding) => SHA256.HashData(encoding);

    /// <summary>Whether the last 32 bytes are the device key's tag of the rest (fixed time).</summary>
    public static bool VerifyTag(byte[] deviceKey, byte[] encoding)
    {
        ArgumentNullException.ThrowIfNull(deviceKey);
        ArgumentNullException.ThrowIfNull(encoding);
        if (deviceKey.Length == 0 || encoding.Length < MeterTags.TagBytes)
        {
            return false;
        }

        int bodyLength = encoding.Length - MeterTags.TagBytes;
        byte[] message = new byte[Domain.Length + bodyLength];
        Domain.CopyTo(message, 0);
        Buffer.BlockCopy(encoding, 0, message, Domain.Length, bodyLength);
        Span<byte> tag = stackalloc byte[MeterTags.TagBytes];
        HMACSHA256.HashData(deviceKey, message, tag);
        return CryptographicOperations.FixedTimeEquals(tag, encoding.AsSpan(bodyLength));
    }
}
