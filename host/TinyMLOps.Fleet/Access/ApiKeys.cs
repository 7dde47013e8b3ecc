using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Access;

/// <summary>
/// API keys look like <c>tml_ID_SECRET</c>: ID (8 hex) names the key in logs and the audit log, SECRET is 256 random
/// bits (base64url). Only SHA-256(SECRET) is stored: the secret has full entropy, so a slow hash would buy nothing and
/// would make every request pay for it.
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "tml_";

    /// <summary>A new key for <paramref name="role"/>: the record to store and the token to show once.</summary>
    public static (ApiKeyRecord Record, string Token) Create(string name, ApiRole role, string createdBy, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 64)
        {
            throw new ArgumentException("an API key's name is at most 64 characters");
        }

        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        string secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKeyRecord(id, name.Trim(), RoleName(role), Hash(secret), at, createdBy);
        return (record, Prefix + id + "_" + secret);
    }

    /// <summary>Splits a presented token into id and secret; false for anything not shaped like a key.</summary>
    public static bool TryParse(string? token, out string keyId, out string secret)
    {
        keyId = secret = string.Empty;
        if (token is null || token.Length is < 20 or > 128 || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        int split = token.IndexOf('_', Prefix.Length);
        if (split != Prefix.Length + 8)
        {
            return false;
        }

        keyId = token[Prefix.Length..split];
        secret = token[(split + 1)..];
        return keyId.All(Uri.IsHexDigit) && secret.Length > 0;
    }

    /// <summary>The stored key this token proves, or null (unknown, revoked or wrong secret), compared in fixed time.</summary>
    public static bool Verify(ApiKeyRecord? stored, string secret) =>
        stored is { Revoked: false } && CryptographicOperations.FixedTimeEquals(stored.SecretHash, Hash(secret));

    public static string RoleName(ApiRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses viewer, operator or admin; one clear line otherwise.</summary>
    public static ApiRole ParseRole(string text) =>
        text?.Trim().ToLowerInvariant() switch
        {
            "viewer" => ApiRole.Viewer,
            "operator" => ApiRole.Operator,
            "admin" => ApiRole.Admin,
            _ => throw new ArgumentException($"unknown role '{text}' (viewer, operator or admin)"),
        };

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
