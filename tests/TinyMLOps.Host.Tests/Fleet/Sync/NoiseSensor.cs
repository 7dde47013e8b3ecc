using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>A seeded sensor of uniform random bytes: enough for boards whose test cares about counts, not classes.</summary>
internal sealed class NoiseSensor(int seed) : ISensor
{
    private readonly Random _random = new(seed);

    public bool Read(byte[] sample)
    {
        _random.NextBytes(sample);
        return true;
    }
}
