using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Models;

public class PowerVariantSwitchTests
{
    private const long Dwell = 60_000;

    private readonly FakePower _power = new() { Source = PowerSource.External, BatteryPercent = 80 };
    private readonly FakeClock _clock = new();

    private PowerVariantSwitch NewSwitch(ModelRole initialRole = ModelRole.Plugged) => new(_power, _clock, Dwell, 15, initialRole);

    [Fact]
    public void Going_on_battery_selects_the_battery_variant_at_once()
    {
        var s = NewSwitch();
        Assert.Equal(ModelRole.Plugged, s.Update());

        _power.Source = PowerSource.Battery;
        _clock.Advance(10);

        Assert.Equal(ModelRole.Battery, s.Update());
        Assert.Equal(1, s.SwitchCount);
    }

    [Fact]
    public void External_power_selects_the_plugged_variant_only_after_the_dwell_time()
    {
        _power.Source = PowerSource.Battery;
        var s = NewSwitch(ModelRole.Battery);
        s.Update();

        _power.Source = PowerSource.External;
        Assert.Equal(ModelRole.Battery, s.Update());
        _clock.Advance(Dwell - 1);
        Assert.Equal(ModelRole.Battery, s.Update());
        _clock.Advance(1);

        Assert.Equal(ModelRole.Plugged, s.Update());
        Assert.Equal(1, s.SwitchCount);
    }

    [Fact]
    public void A_power_source_bounce_within_the_dwell_time_does_not_flap_the_variant()
    {
        _power.Source = PowerSource.Battery;
        var s = NewSwitch(ModelRole.Battery);

        // External power that drops out every 20 s never stays long enough.
        for (int i = 0; i < 30; i++)
        {
            _power.Source = PowerSource.External;
            s.Update();
            _clock.Advance(20_000);
            s.Update();
            _power.Source = PowerSource.Battery;
            s.Update();
            _clock.Advance(500);
            Assert.Equal(ModelRole.Battery, s.Update());
        }

        Assert.Equal(0, s.SwitchCount);
        Assert.Null(s.TakePendingSwitchReport());
    }

    [Fact]
    public void A_low_battery_keeps_the_battery_variant_even_on_external_power()
    {
        var s = NewSwitch();
        _power.BatteryPercent = 10;

        Assert.Equal(ModelRole.Battery, s.Update());
        _clock.Advance(Dwell * 3);
        Assert.Equal(ModelRole.Battery, s.Update());

        _power.BatteryPercent = 40;
        Assert.Equal(ModelRole.Battery, s.Update());
        _clock.Advance(Dwell);
        Assert.Equal(ModelRole.Plugged, s.Update());
    }

    [Fact]
    public void An_unknown_power_source_keeps_the_current_variant_and_restarts_the_wait()
    {
        _power.Source = PowerSource.Battery;
        var s = NewSwitch(ModelRole.Battery);
        _power.Source = PowerSource.External;
        s.Update();
        _clock.Advance(Dwell - 10);
        _power.Source = PowerSource.Unknown;
        Assert.Equal(ModelRole.Battery, s.Update());

        _power.Source = PowerSource.External;
        _clock.Advance(20);
        Assert.Equal(ModelRole.Battery, s.Update());
        _clock.Advance(Dwell);
        Assert.Equal(ModelRole.Plugged, s.Update());
    }

    [Fact]
    public void The_last_switch_is_kept_for_the_next_sync_and_taken_once()
    {
        var s = NewSwitch();
        _clock.UptimeMillis = 1_000;
        _power.Source = PowerSource.Battery;
        _power.BatteryPercent = 55;
        s.Update();
        _power.Source = PowerSource.External;
        s.Update();
        _clock.UptimeMillis = 1_000 + Dwell;
        s.Update();

        Assert.True(s.HasPendingSwitchReport);
        var report = s.TakePendingSwitchReport()!;

        Assert.Equal(ModelRole.Battery, report.FromRole);
        Assert.Equal(ModelRole.Plugged, report.ToRole);
        Assert.Equal(1_000 + Dwell, report.AtUptimeMillis);
        Assert.Equal(PowerSource.External, report.PowerSource);
        Assert.Equal(55, report.BatteryPercent);
        Assert.Equal(2, report.TotalSwitches);
        Assert.Equal(2, report.UnreportedSwitches);
        Assert.Null(s.TakePendingSwitchReport());
        Assert.False(s.HasPendingSwitchReport);

        _power.Source = PowerSource.Battery;
        s.Update();
        var next = s.TakePendingSwitchReport()!;
        Assert.Equal(3, next.TotalSwitches);
        Assert.Equal(1, next.UnreportedSwitches);
    }
}
