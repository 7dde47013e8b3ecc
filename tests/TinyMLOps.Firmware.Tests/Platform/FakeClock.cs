using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>Simulated time: uptime restarts at a reboot, the wall clock does not.</summary>
public sealed class FakeClock : IClock
{
    public long UptimeMillis { get; set; }

    public uint UnixSeconds { get; set; } = 1_700_000_000;

    public void Advance(long millis)
    {
        UptimeMillis += millis;
        UnixSeconds += (uint)(millis / 1000);
    }

    public void Reboot() => UptimeMillis = 0;
}
