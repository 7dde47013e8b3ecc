using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TinyMLOps.Fleet.Security;

/// <summary>
/// A <see cref="Random"/> whose every draw comes from the operating system's cryptographic generator
/// (<see cref="RandomNumberGenerator"/>), for randomness that protects someone: no seed exists, so no participant
/// can regenerate the draws. Slower than <see cref="Random"/>; use it for noise and secrets, not for shuffles.
/// </summary>
public sealed class CryptoRandom : Random
{
    /// <summary>One shared instance; the OS generator is thread-safe, and so is this wrapper (it keeps no state).</summary>
    public static CryptoRandom Instance { get; } = new();

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public override float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    public override int Next()
    {
        while (true)
        {
            int v = (int)(NextUInt64() >> 33);
            if (v != int.MaxValue)
            {
                return v;
            }
        }
    }

    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return maxValue == 0 ? 0 : RandomNumberGenerator.GetInt32(maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return minValue == maxValue ? minValue : RandomNumberGenerator.GetInt32(minValue, maxValue);
    }

    public override long NextInt64()
    {
        while (true)
        {
            long v = (long)(NextUInt64() >> 1);
            if (v != long.MaxValue)
            {
                return v;
            }
        }
    }

    public override void NextBytes(byte[] buffer) => RandomNumberGenerator.Fill(buffer);

    public override void NextBytes(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);

    protected override double Sample() => NextDouble();

    private static ulong NextUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
