using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Drift;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.App;

public class DriftReporterTests
{
    private sealed class RecordingIndicator : IStatusIndicator
    {
        public List<bool> Calls { get; } = [];

        public void SetAlarm(bool on) => Calls.Add(on);
    }

    [Fact]
    public void Finished_windows_go_through_the_outbox_as_droppable_drift_messages()
    {
        var rig = new DeviceRig();
        rig.Device.Drift.Monitor = DriftFixtures.Monitor(rig.Config.Drift);
        rig.Device.Drift.Monitor.VariantId = "cam-v3";
        rig.Poll();
        new DriftFixtures(20).Feed(rig.Device.Drift.Monitor, 250, brightness: 40);
        rig.Clock.Advance(3_600_000);
        rig.Poll();

        var queued = Enumerable.Range(0, rig.Device.Outbox.PendingCount).Select(rig.Device.Outbox.GetPending).Where(e => e.Kind == MessageKind.Drift).ToList();
        Assert.Single(queued);
        Assert.True(queued[0].Droppable);

        rig.SyncUntilEmpty();
        DriftPayload window = DriftPayload.Decode(Assert.Single(rig.Host.StoredOfKind(MessageKind.Drift)).Payload);
        Assert.Equal("cam-v3", window.VariantId);
        Assert.Equal(250u, window.SampleCount);
        Assert.Equal(DriftOptions.DefaultEpsilon, window.Epsilon);
        Assert.False(window.Alarm); // with noise on, the raw alarm stays on the device
        Assert.True(rig.Device.Drift.Monitor.Alarm);
    }

    [Fact]
    public void Without_a_variant_on_the_monitor_windows_carry_the_configured_model()
    {
        var rig = new DeviceRig();
        rig.Device.Drift.Monitor = DriftFixtures.Monitor();
        rig.Poll();
        new DriftFixtures(21).Feed(rig.Device.Drift.Monitor, 200);
        rig.Clock.Advance(3_600_000);
        rig.SyncUntilEmpty();

        Assert.Equal("kws", DriftPayload.Decode(Assert.Single(rig.Host.StoredOfKind(MessageKind.Drift)).Payload).VariantId);
    }

    [Fact]
    public void The_indicator_hears_the_alarm_when_it_changes_and_not_on_every_poll()
    {
        var indicator = new RecordingIndicator();
        var rig = new DeviceRig(indicator: indicator);
        rig.Device.Drift.Monitor = DriftFixtures.Monitor();
        var data = new DriftFixtures(22);
        rig.Poll();
        rig.Poll();
        Assert.Equal([false], indicator.Calls);

        data.Feed(rig.Device.Drift.Monitor, 250, brightness: 40);
        rig.Poll();
        rig.Poll();
        Assert.Equal([false, true], indicator.Calls);

        // A clean window after the shifted one: the alarm clears when it finishes.
        rig.Clock.Advance(3_600_000);
        rig.Poll();
        data.Feed(rig.Device.Drift.Monitor, 250);
        rig.Clock.Advance(3_600_000);
        rig.Poll();
        Assert.Equal([false, true, false], indicator.Calls);

        rig.Device.Drift.Monitor = null;
        rig.Poll();
        Assert.Equal([false, true, false], indicator.Calls);
    }

    [Fact]
    public void An_agent_without_a_monitor_sends_no_drift()
    {
        var rig = new DeviceRig();
        rig.Clock.Advance(7_200_000);
        rig.SyncUntilEmpty();
        Assert.Empty(rig.Host.StoredOfKind(MessageKind.Drift));
        Assert.Equal(200, rig.Config.Drift.MinCount);
    }
}
