using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

/// <summary>A device with a key takes only downlinks with its downlink tag, and never the same command sequence twice.</summary>
public class DownlinkAuthenticationTests
{
    private static DeviceRig KeyedRig() => new(configure: c => c.ArtifactKey = TestModels.DeviceKey);

    private static byte[] Ack(uint seq, byte[]? key) =>
        WireCodec.Encode(new Message(MessageKind.Ack, "dev-1", seq, 0, new AckPayload([1u], [1000u]).Encode()), key);

    [Fact]
    public void Untagged_and_wrongly_tagged_acks_delete_nothing_and_are_counted()
    {
        var rig = KeyedRig();
        rig.Transport.DropAckProbability = 1;
        for (int i = 0; i < 5; i++)
        {
            rig.Device.Uplink.Enqueue(MessageKind.CommandResult, rig.AppPayload(i), false);
        }

        rig.Poll();
        int pending = rig.Device.Outbox.PendingCount;
        Assert.True(pending >= 5, $"{pending} pending");
        string topic = Topics.Down("lab", "dev-1", MessageKind.Ack);
        rig.Transport.Deliver(topic, Ack(1, null));
        rig.Transport.Deliver(topic, Ack(2, EnvelopeKeys.Uplink(TestModels.DeviceKey)));
        rig.Transport.Deliver(topic, Ack(3, EnvelopeKeys.Downlink([9, 9, 9])));
        rig.Clock.Advance(100);
        rig.Poll();

        Assert.Equal(3, rig.Device.Downlink.Unauthenticated);
        Assert.Equal(pending, rig.Device.Outbox.PendingCount);
        Assert.Contains(rig.Log.Lines, l => l.Contains("no tag on ack 1", StringComparison.Ordinal));

        // The host's own acks, tagged with the device's downlink key, do delete.
        rig.Transport.DropAckProbability = 0;
        rig.SyncUntilEmpty();
        Assert.Equal(3, rig.Device.Downlink.Unauthenticated);
        Assert.Empty(rig.Host.Violations);
    }

    [Fact]
    public void A_replayed_command_is_refused_after_a_reboot_and_a_newer_one_runs()
    {
        var rig = KeyedRig();
        var handler = new CountingHandler();
        rig.Handlers.Add(("calibrate", handler));
        rig.Device.Commands.Register("calibrate", handler);
        var (topic, first) = rig.Host.Downlink(MessageKind.Command, new CommandPayload { CommandId = 1, Name = "calibrate" }.Encode());
        rig.Transport.Deliver(topic, first);
        rig.SyncUntilEmpty();
        Assert.Equal(1, handler.Runs);

        rig.Reboot();
        rig.Transport.Deliver(topic, first);
        rig.SyncUntilEmpty();
        Assert.Equal(1, rig.Device.Downlink.Unauthenticated);

        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 2, Name = "calibrate" }.Encode());
        rig.SyncUntilEmpty();
        Assert.Equal(2, handler.Runs);
    }
}
