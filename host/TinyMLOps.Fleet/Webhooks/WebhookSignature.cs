using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>
/// The request signature: X-TinyMLOps-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body)), the timestamp
/// being X-TinyMLOps-Timestamp (Unix seconds) and the secret the subscription's base64url text as UTF-8 bytes.
/// </summary>
public static class WebhookSignature
{
    public const string EventHeader = "X-TinyMLOps-Event";
    public const string DeliveryHeader = "X-TinyMLOps-Delivery";
    public const string TimestampHeader = "X-TinyMLOps-Timestamp";
    public const string SignatureHeader = "X-TinyMLOps-Signature";

    /// <summary>How far a receiver should let the timestamp be from its clock before it refuses a request as a replay.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(body);
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>What a receiver checks: the timestamp within <paramref name="tolerance"/> of now and the signature, compared in constant time.</summary>
    public static bool Verify(string secret, string? timestampHeader, string? signatureHeader, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out long timestamp) || signatureHeader == null)
        {
            return false;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, timestamp, body)), Encoding.ASCII.GetBytes(signatureHeader));
    }
}
