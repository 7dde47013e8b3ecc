using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>Variant assignments over the sync loop: install on a completed download, verification, role switches reported later.</summary>
public class VariantManagerTests
{
    private static DeviceRig Rig() => new(configure: c =>
    {
        c.ArtifactKey = TestModels.DeviceKey;
        c.VariantDwellSeconds = 60;
    });

    private static uint _nextCommand = 100;

    private static uint Assign(DeviceRig rig, int wireRole, SignedModel model, uint transferId)
    {
        var a = new VariantAssignment
        {
            Role = wireRole,
            VariantId = model.VariantId,
            ContentHash = model.Hash,
            Tag = model.Tag,
            TransferId = transferId,
            TotalLength = (uint)model.Bytes.Length,
        };
        uint id = ++_nextCommand;
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = id, Name = VariantAssignment.CommandName, Arguments = a.Encode() }.Encode());
        return id;
    }

    private static void Send(DeviceRig rig, byte[] artifact, uint transferId, int chunkBytes = 64)
    {
        int count = Math.Max(1, (artifact.Length + chunkBytes - 1) / chunkBytes);
        uint crc = Crc32.Compute(artifact, 0, artifact.Length);
        for (int i = 0; i < count; i++)
        {
            int offset = i * chunkBytes;
            var chunk = new ChunkPayload
            {
                TransferId = transferId,
                ContentType = VariantAssignment.ContentTypeModel,
                Index = i,
                Count = count,
                TotalLength = (uint)artifact.Length,
                ArtifactCrc = crc,
                Data = artifact[offset..Math.Min(artifact.Length, offset + chunkBytes)],
            };
            rig.Deliver(MessageKind.DownChunk, chunk.Encode());
        }
    }

    private static List<VariantSwitchPayload> Reports(DeviceRig rig) =>
        [.. rig.Host.StoredOfKind(MessageKind.VariantSwitch).Select(m => VariantSwitchPayload.Decode(m.Payload))];

    private static CommandResultPayload Result(DeviceRig rig, uint commandId) =>
        rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).Single(r => r.CommandId == commandId);

    [Fact]
    public void An_assignment_and_its_completed_download_make_the_variant_active_in_its_role()
    {
        var rig = Rig();
        var battery = TestModels.Signed("mlp-battery", 1);
        uint command = Assign(rig, VariantAssignment.RoleBattery, battery, 41);
        rig.SyncUntilEmpty();
        Assert.Equal(CommandResultPayload.Ok, Result(rig, command).Status);
        Assert.Equal("awaiting transfer 41", Result(rig, command).Detail);
        Assert.NotNull(rig.Device.Variants.Pending(ModelRole.Battery));
        Assert.True(rig.Storage.Exists(VariantManager.BatteryAssignFile));

        Send(rig, battery.Bytes, 41);
        rig.SyncUntilEmpty();

        var slots = rig.Device.Variants.Store.Slots(ModelRole.Battery);
        Assert.Equal("mlp-battery", slots.ActiveVariantId);
        Assert.Null(rig.Device.Variants.Pending(ModelRole.Battery));
        Assert.False(rig.Storage.Exists(VariantManager.BatteryAssignFile));
        var report = Assert.Single(Reports(rig));
        Assert.Equal(VariantSwitchPayload.ReasonInstalled, report.Reason);
        Assert.Equal(VariantAssignment.RoleBattery, report.AssignedRole);
        Assert.Equal(41u, report.TransferId);
        Assert.Equal("mlp-battery", report.BatteryVariantId);
        Assert.Equal("", report.PluggedVariantId);

        // On external power the plugged role is selected; it has no model yet and borrows the battery one.
        Assert.Equal(ModelRole.Plugged, rig.Device.Variants.SelectedRole);
        Assert.Equal(ModelRole.Battery, rig.Device.Variants.ServingRole);
        Assert.Equal(battery.Bytes, rig.Device.Variants.ReadServingModel());

        // The download may also come first: the plugged variant installs when its command arrives.
        var plugged = TestModels.Signed("cnn-plugged", 2);
        Send(rig, plugged.Bytes, 42);
        rig.SyncUntilEmpty();
        uint second = Assign(rig, VariantAssignment.RolePlugged, plugged, 42);
        rig.SyncUntilEmpty();
        Assert.Equal("transfer 42 is here", Result(rig, second).Detail);
        Assert.Equal("cnn-plugged", rig.Device.Variants.ServingVariantId);
        Assert.Equal(2, Reports(rig).Count);

        // Both survive a reboot, and nothing is pending or reported again.
        rig.Reboot();
        rig.SyncUntilEmpty();
        Assert.Equal("cnn-plugged", rig.Device.Variants.Store.Slots(ModelRole.Plugged).ActiveVariantId);
        Assert.Equal("mlp-battery", rig.Device.Variants.Store.Slots(ModelRole.Battery).ActiveVariantId);
        Assert.Equal(2, Reports(rig).Count);
        Assert.Empty(rig.Host.Violations);
    }

    [Fact]
    public void A_pending_assignment_survives_a_reboot_before_its_download()
    {
        var rig = Rig();
        var model = TestModels.Signed("mlp-a", 3);
        Assign(rig, VariantAssignment.RolePlugged, model, 7);
        rig.SyncUntilEmpty();

        rig.Reboot();
        Assert.Equal(7u, rig.Device.Variants.Pending(ModelRole.Plugged).TransferId);
        Send(rig, model.Bytes, 7);
        rig.SyncUntilEmpty();
        Assert.Equal("mlp-a", rig.Device.Variants.Store.Slots(ModelRole.Plugged).ActiveVariantId);
    }

    [Fact]
    public void A_tampered_artifact_is_rejected_and_the_old_model_stays_active()
    {
        var rig = Rig();
        var good = TestModels.Signed("mlp-a", 4);
        Assign(rig, VariantAssignment.RolePlugged, good, 1);
        Send(rig, good.Bytes, 1);
        rig.SyncUntilEmpty();
        Assert.Equal("mlp-a", rig.Device.Variants.ServingVariantId);

        // Signed with another device's key: the tag does not verify here.
        var foreign = TestModels.Sign(TestModels.Build("mlp-b", 5), "mlp-b", TestModels.OtherKey);
        Assign(rig, VariantAssignment.RolePlugged, foreign, 2);
        Send(rig, foreign.Bytes, 2);
        rig.SyncUntilEmpty();

        // Bytes changed in transit by someone who recomputed the CRCs but not the hash.
        var altered = TestModels.Signed("mlp-c", 6);
        byte[] bytes = [.. altered.Bytes];
        bytes[60] ^= 0x01;
        Assign(rig, VariantAssignment.RolePlugged, altered, 3);
        Send(rig, bytes, 3);
        rig.SyncUntilEmpty();

        var slots = rig.Device.Variants.Store.Slots(ModelRole.Plugged);
        Assert.Equal("mlp-a", slots.ActiveVariantId);
        Assert.Equal(good.Bytes, slots.ReadActive());
        var reports = Reports(rig);
        Assert.Equal([VariantSwitchPayload.ReasonInstalled, VariantSwitchPayload.ReasonRejected, VariantSwitchPayload.ReasonRejected], reports.Select(r => r.Reason));
        Assert.Equal(ModelResult.TagMismatch, reports[1].Result);
        Assert.Equal(ModelResult.HashMismatch, reports[2].Result);
        Assert.All(reports, r => Assert.Equal("mlp-a", r.PluggedVariantId));
        Assert.Equal(2, rig.Device.Variants.Rejected);
        Assert.Null(rig.Device.Variants.Pending(ModelRole.Plugged));

        rig.Reboot();
        Assert.Equal("mlp-a", rig.Device.Variants.Store.Slots(ModelRole.Plugged).ActiveVariantId);
    }

    [Fact]
    public void A_malformed_assignment_is_refused()
    {
        var rig = Rig();
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 5, Name = VariantAssignment.CommandName, Arguments = [9, 0] }.Encode());
        rig.SyncUntilEmpty();
        Assert.Equal(CommandResultPayload.Refused, Result(rig, 5).Status);
        Assert.StartsWith("bad_payload: variant-assign: role 9", Result(rig, 5).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_without_a_key_takes_no_assignments_and_sends_no_switch_reports()
    {
        var rig = new DeviceRig();
        Assert.Null(rig.Device.Variants);
        Assign(rig, VariantAssignment.RolePlugged, TestModels.Signed("x", 1), 1);
        rig.Power.Source = PowerSource.Battery;
        rig.SyncUntilEmpty();
        Assert.Equal(CommandResultPayload.UnknownCommand, Result(rig, _nextCommand).Status);
        Assert.Empty(Reports(rig));
    }

    [Fact]
    public void The_role_file_keeps_its_old_bytes_0_for_plugged_and_1_for_battery()
    {
        var storage = new MemoryStorage();
        var power = new FakePower { Source = PowerSource.External, BatteryPercent = 80 };
        var clock = new FakeClock();
        VariantManager Open() => new(storage, TestModels.DeviceKey, new ChunkAssembler(storage, "download", 8), power, clock, new ListLog(), 60_000, 15);

        // As a firmware from before roles took the wire's numbers left it: battery selected, 3 switches so far.
        SmallFile.Write(storage, VariantManager.RoleFile, [1, 3, 0, 0, 0], 5);
        var variants = Open();
        Assert.Equal(ModelRole.Battery, variants.SelectedRole);
        Assert.Equal(3u, variants.SwitchesTotal);

        Assert.Null(variants.Step());
        clock.Advance(60_000);
        Assert.Equal(VariantSwitchPayload.ReasonPower, variants.Step()!.Reason);
        Assert.Equal(new byte[] { 0, 4, 0, 0, 0 }, SmallFile.Read(storage, VariantManager.RoleFile));

        power.Source = PowerSource.Battery;
        Assert.Equal((int)ModelRole.Battery, variants.Step()!.ToRole);
        Assert.Equal(new byte[] { 1, 5, 0, 0, 0 }, SmallFile.Read(storage, VariantManager.RoleFile));
        Assert.Equal(ModelRole.Battery, Open().SelectedRole);
    }

    [Fact]
    public void A_role_switch_while_offline_is_reported_when_the_link_is_back()
    {
        var rig = Rig();
        var plugged = TestModels.Signed("cnn-plugged", 1);
        var battery = TestModels.Signed("mlp-battery", 2);
        Assign(rig, VariantAssignment.RolePlugged, plugged, 11);
        Send(rig, plugged.Bytes, 11);
        rig.SyncUntilEmpty();
        Assign(rig, VariantAssignment.RoleBattery, battery, 12);
        Send(rig, battery.Bytes, 12);
        rig.SyncUntilEmpty();
        Assert.Equal("cnn-plugged", rig.Device.Variants.ServingVariantId);
        int changes = rig.Device.Variants.ModelChanges;

        rig.Transport.Online = false;
        rig.Power.Source = PowerSource.Battery;
        rig.Power.BatteryPercent = 64;
        rig.Clock.Advance(1000);
        rig.Poll();
        Assert.Equal(ModelRole.Battery, rig.Device.Variants.SelectedRole);
        Assert.Equal("mlp-battery", rig.Device.Variants.ServingVariantId);
        Assert.Equal(battery.Bytes, rig.Device.Variants.ReadServingModel());
        Assert.Equal(changes + 1, rig.Device.Variants.ModelChanges);
        Assert.False(rig.Device.Agent.IsConnected);
        Assert.Equal(2, Reports(rig).Count);

        // A reboot while offline keeps both the role and the queued report.
        rig.Reboot();
        Assert.Equal(ModelRole.Battery, rig.Device.Variants.SelectedRole);
        rig.Transport.Online = true;
        rig.SyncUntilEmpty();

        var report = Reports(rig).Last();
        Assert.Equal(VariantSwitchPayload.ReasonPower, report.Reason);
        Assert.Equal(VariantAssignment.RolePlugged, report.FromRole);
        Assert.Equal(VariantAssignment.RoleBattery, report.ToRole);
        Assert.Equal(PowerSource.Battery, report.PowerSource);
        Assert.Equal(64, report.BatteryPercent);
        Assert.Equal(1u, report.SwitchesTotal);
        Assert.Equal("cnn-plugged", report.PluggedVariantId);
        Assert.Equal("mlp-battery", report.BatteryVariantId);

        // Back on external power: plugged again only after the dwell time.
        rig.Power.Source = PowerSource.External;
        for (int i = 0; i < 59; i++)
        {
            rig.Clock.Advance(1000);
            rig.Poll();
        }

        Assert.Equal(ModelRole.Battery, rig.Device.Variants.SelectedRole);
        rig.Clock.Advance(2000);
        rig.SyncUntilEmpty();
        Assert.Equal(ModelRole.Plugged, rig.Device.Variants.SelectedRole);
        Assert.Equal(2u, Reports(rig).Last().SwitchesTotal);
        Assert.Empty(rig.Host.Violations);
    }
}
