using TinyMLOps.Firmware.Core.Consent;
using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Firmware.Tests.Drift;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Consent;

/// <summary>The consent gate applies the device's consent: what is not allowed is not produced, held back, or withdrawn; service traffic always flows.</summary>
public class ConsentGateTests
{
    private static int[] Settings(int drift, int learning, int telemetry) => [drift, learning, telemetry];

    /// <summary>Finishes one drift window on the device's monitor (an hour of 250 samples).</summary>
    private static void FinishDriftWindow(DeviceRig rig, int seed)
    {
        new DriftFixtures(seed).Feed(rig.Device.Drift.Monitor, 250, brightness: 40);
        rig.Clock.Advance(3_600_000);
        rig.Poll();
    }

    private static DeviceRig Offline(DeviceRig rig)
    {
        rig.Power.Source = TinyMLOps.Shared.Protocol.PowerSource.Battery;
        rig.Power.BatteryPercent = 1; // below the sync threshold: everything stays queued
        return rig;
    }

    [Fact]
    public void A_device_with_drift_off_queues_no_drift_windows_and_says_so_in_its_hello()
    {
        var rig = new DeviceRig(configure: c => c.ConsentSettings = Settings(UploadConsent.Off, UploadConsent.On, UploadConsent.On));
        rig.Device.Drift.Monitor = DriftFixtures.Monitor(rig.Config.Drift);
        rig.Poll();
        FinishDriftWindow(rig, 30);

        Assert.DoesNotContain(MessageKind.Drift, rig.QueuedKinds());
        Assert.Equal(1, rig.Device.Drift.WindowsWithheld);
        Assert.True(rig.Device.Drift.Monitor.Alarm); // the local alarm still works

        rig.SyncUntilEmpty();
        Assert.Empty(rig.Host.StoredOfKind(MessageKind.Drift));
        var hello = HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload);
        Assert.Equal([UploadConsent.Off, UploadConsent.On, UploadConsent.On], hello.ConsentSettings);
    }

    [Fact]
    public void Revoking_a_grant_withdraws_queued_drift_windows_but_never_receipts()
    {
        var rig = Offline(new DeviceRig(configure: c => c.ConsentSettings = Settings(UploadConsent.Ask, UploadConsent.On, UploadConsent.On)));
        rig.Device.Drift.Monitor = DriftFixtures.Monitor(rig.Config.Drift);
        rig.Device.GrantConsent(UploadConsent.Drift);
        rig.Poll();
        FinishDriftWindow(rig, 31);
        rig.Device.Uplink.Enqueue(MessageKind.UsageReceipt, [1, 2, 3], false);
        FinishDriftWindow(rig, 32);
        rig.Device.Uplink.Enqueue(MessageKind.UsageReceipt, [4, 5, 6], false);
        Assert.Equal(2, rig.QueuedKinds().Count(k => k == MessageKind.Drift));

        rig.Device.RevokeConsent(UploadConsent.Drift);

        Assert.DoesNotContain(MessageKind.Drift, rig.QueuedKinds());
        Assert.Equal(2, rig.QueuedKinds().Count(k => k == MessageKind.UsageReceipt));
        Assert.Equal(2, rig.Device.Outbox.WithdrawnTotal);
        Assert.Equal(0, rig.Device.Outbox.Withdraw(MessageKind.UsageReceipt));

        // Withdrawn windows stay gone after a reboot, and the host hears of the gap in the drop report.
        rig.Reboot();
        Assert.DoesNotContain(MessageKind.Drift, rig.QueuedKinds());
        rig.Power.Source = TinyMLOps.Shared.Protocol.PowerSource.External;
        rig.SyncUntilEmpty();
        Assert.Empty(rig.Host.StoredOfKind(MessageKind.Drift));
        Assert.Equal([new byte[] { 1, 2, 3 }, [4, 5, 6]], rig.Host.StoredOfKind(MessageKind.UsageReceipt).Select(m => m.Payload));
        var dropped = DroppedPayload.Decode(Assert.Single(rig.Host.StoredOfKind(MessageKind.Dropped)).Payload);
        Assert.Equal(2u, dropped.Counts[Array.IndexOf(dropped.Kinds, MessageKind.Drift)]);
        Assert.False(HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload).Granted(UploadConsent.Drift));
    }

    [Fact]
    public void An_ask_grant_persists_across_a_reboot_and_each_change_is_reported_in_a_new_hello()
    {
        var rig = new DeviceRig(configure: c => c.ConsentSettings = Settings(UploadConsent.On, UploadConsent.Ask, UploadConsent.On));
        rig.SyncUntilEmpty();
        Assert.False(HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload).Granted(UploadConsent.Learning));

        rig.Device.GrantConsent(UploadConsent.Learning);
        rig.SyncUntilEmpty();
        Assert.Equal(2, rig.Host.StoredOfKind(MessageKind.Hello).Count());
        Assert.True(HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload).Granted(UploadConsent.Learning));

        rig.Reboot();
        Assert.True(rig.Device.Consent.Policy.IsGranted(UploadConsent.Learning));
        Assert.True(rig.Device.Consent.Policy.Allows(UploadConsent.Learning, metered: true, plugged: false));

        rig.Device.RevokeConsent(UploadConsent.Learning);
        rig.Reboot();
        Assert.False(rig.Device.Consent.Policy.IsGranted(UploadConsent.Learning));
        Assert.True(rig.Storage.Exists(ConsentPolicy.FileName));
    }

    [Fact]
    public void A_metered_link_holds_back_learning_set_to_wifi_while_other_traffic_goes_out()
    {
        var link = new FakeNetwork { IsMetered = true };
        var rig = new DeviceRig(configure: c => c.ConsentSettings = Settings(UploadConsent.On, UploadConsent.Wifi, UploadConsent.On), network: link);
        byte[] update = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];
        Assert.True(rig.Device.Uploads.Upload(7, ModelDelta.ContentType, update, 0).Accepted);
        rig.Device.Uplink.Enqueue(MessageKind.UsageReceipt, [9, 9], false);

        for (int i = 0; i < 50; i++)
        {
            rig.Clock.Advance(100);
            rig.Poll();
        }

        Assert.Empty(rig.Host.StoredOfKind(MessageKind.Chunk));
        Assert.Single(rig.Host.StoredOfKind(MessageKind.UsageReceipt));
        Assert.Equal(3, rig.QueuedKinds().Count(k => k == MessageKind.Chunk));
        Assert.Equal(0, rig.Device.Outbox.WithdrawnTotal); // held, not withdrawn

        link.IsMetered = false;
        rig.SyncUntilEmpty();
        var chunks = rig.Host.StoredOfKind(MessageKind.Chunk).Select(m => ChunkPayload.Decode(m.Payload)).ToList();
        Assert.Equal(3, chunks.Count);
        Assert.Equal(update, chunks.OrderBy(c => c.Index).SelectMany(c => c.Data).ToArray());
    }

    [Fact]
    public void Revoking_learning_withdraws_queued_update_chunks_and_keeps_the_receipt_between_them()
    {
        var rig = Offline(new DeviceRig(configure: c => c.ConsentSettings = Settings(UploadConsent.On, UploadConsent.Ask, UploadConsent.On)));
        rig.Device.GrantConsent(UploadConsent.Learning);
        Assert.True(rig.Device.Uploads.Upload(3, ModelDelta.ContentType, new byte[3000], 0).Accepted);
        rig.Device.Uplink.Enqueue(MessageKind.UsageReceipt, [7], false);
        Assert.True(rig.Device.Uploads.Upload(4, ModelDelta.ContentType, new byte[100], 0).Accepted);

        rig.Device.RevokeConsent(UploadConsent.Learning);

        Assert.Equal([MessageKind.UsageReceipt], rig.QueuedKinds());
        Assert.Equal(3, rig.Device.Outbox.WithdrawnTotal);
        Assert.Contains(rig.Log.Lines, l => l.Contains("3 queued update chunks withdrawn", StringComparison.Ordinal));
    }

    [Fact]
    public void A_round_invite_is_declined_with_the_consent_reason_when_learning_is_off()
    {
        var rig = new DeviceRig(configure: c =>
        {
            c.ArtifactKey = TestModels.DeviceKey;
            c.ConsentSettings = Settings(UploadConsent.On, UploadConsent.Off, UploadConsent.On);
        });
        var invite = new RoundInvite
        {
            RoundId = "r1",
            Role = 1,
            BaseVariantId = "mlp-w1",
            BaseHash = new byte[32],
            Layers = 1,
            Epochs = 1,
            BatchSize = 8,
            LearningRate = 0.1f,
            ClipNorm = 1f,
            KeepFraction = 1f,
            MinSamples = 1,
            MaxSamples = 100,
            Deadline = uint.MaxValue,
        };
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 41, Name = RoundInvite.CommandName, Arguments = invite.Encode() }.Encode());
        rig.SyncUntilEmpty();

        var result = CommandResultPayload.Decode(Assert.Single(rig.Host.StoredOfKind(MessageKind.CommandResult)).Payload);
        Assert.Equal(CommandResultPayload.Refused, result.Status);
        Assert.Equal("consent: learning is off", result.Detail);
        Assert.Equal(TinyMLOps.Firmware.Core.Learning.FederatedClient.StateNone, rig.Device.Learning!.RoundState);
    }

    [Fact]
    public void Telemetry_is_left_out_of_the_heartbeat_while_its_consent_is_unmet()
    {
        var rig = new DeviceRig(configure: c => c.ConsentSettings = Settings(UploadConsent.On, UploadConsent.On, UploadConsent.Charging));
        rig.Device.Telemetry.Record("v1", 1200, 4096, 5000, 0);
        rig.Power.Source = TinyMLOps.Shared.Protocol.PowerSource.Battery;
        rig.Power.BatteryPercent = 90;
        rig.Clock.Advance(rig.Config.HeartbeatIntervalSeconds * 1000L);
        rig.SyncUntilEmpty();
        Assert.False(rig.Device.Consent.TelemetryAllowed);
        Assert.Null(HeartbeatPayload.Decode(rig.Host.StoredOfKind(MessageKind.Heartbeat).Last().Payload).Telemetry);

        rig.Power.Source = TinyMLOps.Shared.Protocol.PowerSource.External;
        rig.Clock.Advance(rig.Config.HeartbeatIntervalSeconds * 1000L);
        rig.SyncUntilEmpty();
        Assert.True(rig.Device.Consent.TelemetryAllowed);
        Assert.NotNull(HeartbeatPayload.Decode(rig.Host.StoredOfKind(MessageKind.Heartbeat).Last().Payload).Telemetry);
    }
}
