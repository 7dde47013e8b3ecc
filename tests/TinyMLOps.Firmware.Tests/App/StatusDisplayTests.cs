using TinyMLOps.Firmware.Core.App;

namespace TinyMLOps.Firmware.Tests.App;

public class StatusDisplayTests
{
    [Fact]
    public void A_blink_code_wins_over_the_alarm_and_the_alarm_over_running()
    {
        var led = new FakeLed();
        var display = new StatusDisplay(led);

        display.ShowCode(BlinkCode.None);
        Assert.Equal("on", led.Last);
        display.SetAlarm(true);
        Assert.Equal("pattern 100,100,100,700", led.Last);
        display.ShowCode(BlinkCode.BrokerUnreachable);
        Assert.Equal("pattern " + string.Join(",", BlinkCode.Pattern(BlinkCode.BrokerUnreachable)), led.Last);
        display.ShowCode(BlinkCode.None);
        Assert.Equal(StatusDisplay.ShowsAlarm, display.Shown);
        display.SetAlarm(false);
        Assert.Equal("on", led.Last);
    }

    [Fact]
    public void The_led_is_only_told_when_what_it_shows_changes()
    {
        var led = new FakeLed();
        var display = new StatusDisplay(led);

        for (int i = 0; i < 10; i++)
        {
            display.ShowCode(BlinkCode.NoModel);
            display.SetAlarm(false);
        }

        display.ShowCode(BlinkCode.NetworkFailed);
        display.ShowCode(BlinkCode.NetworkFailed);

        Assert.Equal(["pattern " + string.Join(",", BlinkCode.Pattern(6)), "pattern " + string.Join(",", BlinkCode.Pattern(4))], led.Calls);
    }

    [Fact]
    public void A_two_class_model_shows_its_class_and_other_models_show_steady_on()
    {
        var led = new FakeLed();
        var display = new StatusDisplay(led);
        display.ShowCode(BlinkCode.None);

        display.ShowClass(1, 2);
        Assert.Equal(StatusDisplay.ShowsClassOn, display.Shown);
        Assert.Equal("on", led.Last);
        display.ShowClass(0, 2);
        Assert.Equal("off", led.Last);
        display.ShowClass(7, 10);
        Assert.Equal(StatusDisplay.ShowsRunning, display.Shown);
        Assert.Equal("on", led.Last);
    }

    [Fact]
    public void Without_an_led_it_keeps_the_state_only()
    {
        var display = new StatusDisplay(null);

        display.ShowCode(BlinkCode.InvalidConfiguration);

        Assert.Equal(StatusDisplay.ShowsCode, display.Shown);
        Assert.Equal(BlinkCode.InvalidConfiguration, display.Code);
    }
}
