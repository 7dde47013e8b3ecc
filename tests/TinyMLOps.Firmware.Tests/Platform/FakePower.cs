using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Platform;

public sealed class FakePower : IPower
{
    public int Source { get; set; } = PowerSource.External;

    public int BatteryPercent { get; set; } = -1;
}
