using System.Security.Cryptography;
using System.Text;

namespace TinyMLOps.Fleet.Security;

/// <summary>
/// Per-device artifact keys derived from one fleet master key: key(device) = HMAC-SHA256(master key,
/// "tinymlops-device-key-v1" || UTF-8 device id). The host signs each device's artifacts with that device's key
/// (<see cref="Shared.Util.ArtifactTag"/>), so a tag made for one device does not verify on another, and the
/// host stores only the master key; provisioning writes the derived key into the device's configuration.
/// </summary>
public sealed class DeviceKeys
{
    public const string Domain = "tinymlops-device-key-v1";

    /// <summary>The configuration value (or environment variable TINYMLOPS_ARTIFACT_MASTER_KEY) holding the master key, hex or base64.</summary>
    public const string ConfigurationKey = "TinyMLOps:ArtifactMasterKey";

    public const string EnvironmentVariable = "TINYMLOPS_ARTIFACT_MASTER_KEY";

    public const int MinMasterKeyBytes = 16;

    private readonly byte[] _masterKey;

    public DeviceKeys(byte[] masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        if (masterKey.Length < MinMasterKeyBytes)
        {
            throw new ArgumentException($"the master key must have at least {MinMasterKeyBytes} bytes", nameof(masterKey));
        }

        _masterKey = (byte[])masterKey.Clone();
    }

    /// <summary>Parses a master key given as hex (64 digits for 32 bytes) or base64.</summary>
    public static DeviceKeys Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        text = text.Trim();
        byte[] key;
        if (text.Length % 2 == 0 && text.All(Uri.IsHexDigit))
        {
            key = Convert.FromHexString(text);
        }
        else
        {
            try
            {
                key = Convert.FromBase64String(text);
            }
            catch (FormatException e)
            {
                throw new FormatException("the artifact master key is neither hex nor base64", e);
            }
        }

        return new DeviceKeys(key);
    }

    /// <summary>The master key from a configuration value (see <see cref="ConfigurationKey"/>) or, without one, the environment; null when neither is set.</summary>
    public static DeviceKeys? FromConfiguration(string? configured)
    {
        string? text = !string.IsNullOrWhiteSpace(configured) ? configured : Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(text) ? null : Parse(text);
    }

    /// <summary>A key for another purpose of the host (e.g. sealing webhook secrets): HMAC-SHA256(master key, UTF-8 purpose).</summary>
    public byte[] KeyFor(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        return HMACSHA256.HashData(_masterKey, Encoding.UTF8.GetBytes(purpose));
    }

    /// <summary>The artifact key of a device.</summary>
    public byte[] For(string deviceId) => Derive(_masterKey, deviceId);

    public static byte[] Derive(byte[] masterKey, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        byte[] message = [.. Encoding.UTF8.GetBytes(Domain), .. Encoding.UTF8.GetBytes(deviceId)];
        return HMACSHA256.HashData(masterKey, message);
    }
}
