using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Fleet.Security;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>
/// Subscription signing secrets: 32 random bytes, shown once as base64url, stored sealed with AES-256-GCM under a key
/// derived from the fleet's artifact master key (<see cref="DeviceKeys.KeyFor"/>), bound to the subscription's URL
/// (a row whose URL was changed in the database no longer opens, so nobody gets signed events by editing it).
/// </summary>
public sealed class WebhookSecrets
{
    public const string Purpose = "tinymlops-webhook-secrets-v1";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public WebhookSecrets(DeviceKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _key = keys.KeyFor(Purpose);
    }

    /// <summary>A new secret: 32 bytes from <see cref="RandomNumberGenerator"/>, base64url without padding.</summary>
    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public byte[] Seal(string secret, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentException.ThrowIfNullOrEmpty(url);
        byte[] plain = Encoding.UTF8.GetBytes(secret);
        byte[] sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Associated(url));
        return sealedBytes;
    }

    /// <summary>The secret of a stored subscription; throws <see cref="CryptographicException"/> under another master key or URL.</summary>
    public string Open(byte[] sealedSecret, string url)
    {
        ArgumentNullException.ThrowIfNull(sealedSecret);
        if (sealedSecret.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("the sealed webhook secret is too short");
        }

        int length = sealedSecret.Length - NonceBytes - TagBytes;
        byte[] plain = new byte[length];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedSecret.AsSpan(0, NonceBytes), sealedSecret.AsSpan(NonceBytes, length), sealedSecret.AsSpan(NonceBytes + length), plain, Associated(url));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(string url) => Encoding.UTF8.GetBytes("webhook:" + url);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
