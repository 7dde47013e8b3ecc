using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.App;

public class SleepPolicyTests
{
    private static readonly SleepPolicy Policy = new(sleepSeconds: 900, syncWindowSeconds: 60);

    [Fact]
    public void On_battery_it_sleeps_once_the_sync_window_is_over_and_sync_has_settled()
    {
        Assert.False(Policy.ShouldSleep(PowerSource.Battery, 59_999, syncSettled: true));
        Assert.True(Policy.ShouldSleep(PowerSource.Battery, 60_000, syncSettled: true));
    }

    [Fact]
    public void On_battery_unsettled_sync_keeps_it_awake_up_to_twice_the_window()
    {
        Assert.False(Policy.ShouldSleep(PowerSource.Battery, 60_000, syncSettled: false));
        Assert.False(Policy.ShouldSleep(PowerSource.Battery, 119_999, syncSettled: false));
        Assert.True(Policy.ShouldSleep(PowerSource.Battery, 120_000, syncSettled: false));
    }

    [Theory]
    [InlineData(PowerSource.External)]
    [InlineData(PowerSource.Unknown)]
    public void Plugged_in_or_without_a_power_detect_pin_it_never_sleeps(int source)
    {
        Assert.False(Policy.ShouldSleep(source, 10_000_000, syncSettled: true));
        Assert.False(Policy.ShouldSleep(source, 10_000_000, syncSettled: false));
    }

    [Fact]
    public void Sleep_seconds_zero_means_never()
    {
        var never = new SleepPolicy(0, 60);

        Assert.False(never.ShouldSleep(PowerSource.Battery, 10_000_000, syncSettled: true));
    }
}
