using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

public class PowerPolicyTests
{
    [Theory]
    [InlineData(PowerSource.External, 5, true)]
    [InlineData(PowerSource.Battery, 19, false)]
    [InlineData(PowerSource.Battery, 20, true)]
    [InlineData(PowerSource.Battery, -1, true)]
    [InlineData(PowerSource.Unknown, 3, false)]
    public void Sync_needs_external_power_enough_battery_or_no_gauge(int source, int battery, bool allowed)
    {
        Assert.Equal(allowed, new PowerPolicy().MaySync(new FakePower { Source = source, BatteryPercent = battery }));
    }

    [Fact]
    public void Heavy_work_needs_more_battery_than_sync()
    {
        var policy = new PowerPolicy(20, 50);
        var power = new FakePower { Source = PowerSource.Battery, BatteryPercent = 35 };

        Assert.True(policy.MaySync(power));
        Assert.False(policy.MayDoHeavyWork(power));
        power.Source = PowerSource.External;
        Assert.True(policy.MayDoHeavyWork(power));
    }
}
