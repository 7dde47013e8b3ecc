using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.Platform;

public sealed class FakePower : IPower
{
    public int Source { get; set; } = PowerSource.External;

    public int BatteryPercent { get; set; } = -1;
}
