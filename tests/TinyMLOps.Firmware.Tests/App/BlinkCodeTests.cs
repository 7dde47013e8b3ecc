using TinyMLOps.Firmware.Core.App;

namespace TinyMLOps.Firmware.Tests.App;

public class BlinkCodeTests
{
    [Theory]
    [InlineData(BlinkCode.NoConfiguration)]
    [InlineData(BlinkCode.InvalidConfiguration)]
    [InlineData(BlinkCode.NetworkFailed)]
    [InlineData(BlinkCode.BrokerUnreachable)]
    [InlineData(BlinkCode.NoModel)]
    public void A_code_blinks_as_many_times_as_its_number_then_pauses(int code)
    {
        int[] pattern = BlinkCode.Pattern(code);

        Assert.Equal(2 * code, pattern.Length);
        for (int i = 0; i < code; i++)
        {
            Assert.Equal(BlinkCode.BlinkOnMillis, pattern[2 * i]);
            Assert.Equal(i == code - 1 ? BlinkCode.PauseMillis : BlinkCode.BlinkOffMillis, pattern[(2 * i) + 1]);
        }
    }

    [Fact]
    public void Running_has_no_pattern_and_every_code_has_a_name()
    {
        Assert.Null(BlinkCode.Pattern(BlinkCode.None));
        Assert.Equal("running", BlinkCode.Name(BlinkCode.None));
        Assert.Equal(
            ["no configuration", "invalid configuration", "network failed", "broker unreachable", "no model"],
            new[] { 2, 3, 4, 5, 6 }.Select(BlinkCode.Name));
    }

    [Theory]
    [InlineData(true, false, 1, false, true, BlinkCode.NetworkFailed)]
    [InlineData(true, false, 1, true, true, BlinkCode.BrokerUnreachable)]
    [InlineData(true, false, 0, false, true, BlinkCode.None)]
    [InlineData(false, false, 3, false, true, BlinkCode.None)]
    [InlineData(true, true, 1, true, false, BlinkCode.NoModel)]
    [InlineData(true, false, 2, true, false, BlinkCode.BrokerUnreachable)]
    [InlineData(true, true, 1, true, true, BlinkCode.None)]
    public void A_running_device_blinks_the_fault_that_holds_it_back(bool maySync, bool connected, int attempts, bool networkUp, bool hasModel, int expected)
    {
        Assert.Equal(expected, BlinkCode.ForRunning(maySync, connected, attempts, networkUp, hasModel));
    }
}
