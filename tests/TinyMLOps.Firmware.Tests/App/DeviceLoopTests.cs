using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.App;

public class DeviceLoopTests
{
    private static string PatternOf(int code) => "pattern " + string.Join(",", BlinkCode.Pattern(code));

    [Fact]
    public void A_provisioned_board_says_hello_and_blinks_no_model_until_a_variant_arrives()
    {
        var rig = new AppRig();

        rig.Run(2000);

        Assert.True(rig.Runtime.Device.Agent.IsConnected);
        var hello = HelloPayload.Decode(Assert.Single(rig.Host.StoredOfKind(MessageKind.Hello)).Payload);
        Assert.Equal("esp32-devkitc", hello.Board);
        Assert.Equal("0.4.0", hello.FirmwareVersion);
        Assert.Equal(ConfigMapping.SupportedKernelMask(), hello.KernelMask);
        Assert.Equal(BlinkCode.NoModel, rig.Display.Code);
        Assert.Equal(PatternOf(BlinkCode.NoModel), rig.Led.Last);

        rig.Assign(TestModels.Signed("v1", 1), 11);
        rig.Run(2000);

        Assert.Equal(BlinkCode.None, rig.Display.Code);
        Assert.Equal("on", rig.Led.Last);
    }

    [Fact]
    public void Samples_are_classified_once_a_second_when_a_model_runs()
    {
        byte[] samples = [250, 1, 1, 1, 250, 1, 1, 1, 250];
        var rig = new AppRig(samples: samples);
        rig.Assign(TestModels.Signed("v1", 1), 11);

        rig.Run(10_000);

        Assert.InRange(rig.Loop.Samples, 8, 10);
        Assert.Equal((uint)rig.Loop.Samples, rig.Runtime.Device.Activity.Inferences);
        Assert.InRange(rig.Runtime.LastClass, 0, 2);
    }

    [Fact]
    public void A_model_with_a_front_end_is_fed_raw_values_from_a_signal_sensor()
    {
        var sensor = new RowSensor();
        var rig = new AppRig(sensor: sensor);
        var model = ModelReader.Read(TestModels.Build("v1", 1));
        model.FrontEnd = new Normalize(1, 1, 3, [0, 0, 0], [1, 1, 0.001f]);
        rig.Assign(TestModels.Sign(ModelWriter.Write(model), "v1", TestModels.DeviceKey), 11);

        rig.Run(10_000);

        Assert.InRange(rig.Loop.Samples, 8, 10);
        Assert.Equal(rig.Loop.Samples, sensor.Rows);
        Assert.Equal((uint)rig.Loop.Samples, rig.Runtime.Device.Activity.Inferences);
        Assert.Equal(2, rig.Runtime.LastClass); // the third column wins once scaled
    }

    [Fact]
    public void A_plain_sensor_cannot_feed_a_model_with_a_front_end_and_nothing_is_counted()
    {
        var rig = new AppRig(samples: [250, 1, 1]);
        var model = ModelReader.Read(TestModels.Build("v1", 1));
        model.FrontEnd = new Normalize(1, 1, 3, [0, 0, 0], [1, 1, 1]);
        rig.Assign(TestModels.Sign(ModelWriter.Write(model), "v1", TestModels.DeviceKey), 11);

        rig.Run(5_000);

        Assert.True(rig.Runtime.HasModel);
        Assert.Equal(0, rig.Loop.Samples);
        Assert.Equal(0u, rig.Runtime.Device.Activity.Inferences);
    }

    private sealed class RowSensor : ISignalSensor
    {
        public int Rows { get; private set; }

        public bool Read(byte[] sample) => false;

        public bool ReadSamples(short[] samples) => false;

        public bool ReadValues(float[] values)
        {
            Rows++;
            values[0] = 0.3f;
            values[1] = 0.2f;
            values[2] = 0.0004f;
            return true;
        }
    }

    [Fact]
    public void Network_and_broker_failures_blink_their_own_codes()
    {
        var rig = new AppRig();
        rig.Network.Available = false;

        rig.Run(3000);
        Assert.Equal(BlinkCode.NetworkFailed, rig.Display.Code);

        rig.Network.Available = true;
        rig.Mqtt.Online = false;
        rig.Run(5000);
        Assert.True(rig.Network.IsUp);
        Assert.Equal(BlinkCode.BrokerUnreachable, rig.Display.Code);

        rig.Mqtt.Online = true;
        rig.Run(60_000);
        Assert.True(rig.Runtime.Device.Agent.IsConnected);
        Assert.Equal(BlinkCode.NoModel, rig.Display.Code);
    }

    [Fact]
    public void On_battery_the_board_sleeps_after_the_sync_window_once_everything_is_sent()
    {
        var rig = new AppRig(c => { c.SleepSeconds = 900; c.SyncWindowSeconds = 30; c.PowerDetectPin = 34; }, powerSource: PowerSource.Battery);
        rig.Sleep.Probe = () => rig.Mqtt.IsConnected || rig.Runtime.Device.Outbox.PendingCount > 0;

        rig.Run(29_000);
        Assert.Empty(rig.Sleep.Sleeps);
        Assert.NotEmpty(rig.Host.StoredOfKind(MessageKind.Hello));

        rig.Run(2000);
        Assert.Equal([900], rig.Sleep.Sleeps);

        // The session was closed and nothing was left to send when the board went to sleep.
        Assert.Equal([false], rig.Sleep.Observed);
    }

    [Fact]
    public void On_battery_an_unreachable_broker_keeps_the_board_awake_for_twice_the_window_at_most()
    {
        var rig = new AppRig(c => { c.SleepSeconds = 600; c.SyncWindowSeconds = 30; }, powerSource: PowerSource.Battery);
        rig.Mqtt.Online = false;

        rig.Run(59_000);
        Assert.Empty(rig.Sleep.Sleeps);

        rig.Run(2000);
        Assert.Equal([600], rig.Sleep.Sleeps);
    }

    [Fact]
    public void Plugged_in_the_board_never_sleeps()
    {
        var rig = new AppRig(c => { c.SleepSeconds = 900; c.SyncWindowSeconds = 30; });

        rig.Run(600_000);

        Assert.Empty(rig.Sleep.Sleeps);
    }

    [Fact]
    public void A_board_that_cannot_sleep_stays_awake_and_says_so_once()
    {
        var rig = new AppRig(c => { c.SleepSeconds = 900; c.SyncWindowSeconds = 10; }, powerSource: PowerSource.Battery, canSleep: false);

        rig.Run(72_000);

        Assert.Single(rig.Sleep.Sleeps);
        Assert.True(rig.Loop.CannotSleep);
        Assert.Single(rig.Log.Lines, l => l == "warn: this board cannot deep sleep; it stays awake");
    }

    [Fact]
    public void A_wake_up_without_a_reset_starts_a_new_sync_window()
    {
        var rig = new AppRig(c => { c.SleepSeconds = 900; c.SyncWindowSeconds = 10; }, powerSource: PowerSource.Battery);

        rig.Run(10_500);
        rig.Run(9000);
        Assert.Single(rig.Sleep.Sleeps);

        rig.Run(3000);
        Assert.Equal([900, 900], rig.Sleep.Sleeps);
    }
}
