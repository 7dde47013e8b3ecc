using System.Security.Cryptography;
using System.Text;

namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// Per-device MQTT passwords. A device secret is 128 random bits made at provisioning, so a salted
/// SHA-256 is enough to store it (a slow password hash protects low-entropy human passwords, not these)
/// and keeps connection checks cheap for thousands of devices.
/// </summary>
public static class DeviceCredentials
{
    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string Hash(string secret)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        return "sha256$" + Convert.ToHexStringLower(salt) + "$" + Convert.ToHexStringLower(Digest(salt, secret));
    }

    public static bool Verify(string secret, string stored)
    {
        string[] parts = stored.Split('$');
        if (parts.Length != 3 || parts[0] != "sha256")
        {
            return false;
        }

        byte[] salt = Convert.FromHexString(parts[1]);
        byte[] expected = Convert.FromHexString(parts[2]);
        return CryptographicOperations.FixedTimeEquals(expected, Digest(salt, secret));
    }

    private static byte[] Digest(byte[] salt, string secret)
    {
        byte[] s = Encoding.UTF8.GetBytes(secret);
        byte[] buffer = new byte[salt.Length + s.Length];
        salt.CopyTo(buffer, 0);
        s.CopyTo(buffer, salt.Length);
        return SHA256.HashData(buffer);
    }
}
