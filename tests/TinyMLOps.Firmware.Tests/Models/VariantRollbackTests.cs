using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>Rollbacks on the device: by the host's command, by a model that fails to load, and what a refusal leaves.</summary>
public class VariantRollbackTests
{
    private static uint _nextCommand = 5000;

    private static DeviceRig Rig() => new(configure: c => c.ArtifactKey = TestModels.DeviceKey);

    private static void Install(DeviceRig rig, SignedModel model, uint transferId)
    {
        var a = new VariantAssignment { Role = VariantAssignment.RolePlugged, VariantId = model.VariantId, ContentHash = model.Hash, Tag = model.Tag, TransferId = transferId, TotalLength = (uint)model.Bytes.Length };
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = ++_nextCommand, Name = VariantAssignment.CommandName, Arguments = a.Encode() }.Encode());
        uint crc = Crc32.Compute(model.Bytes, 0, model.Bytes.Length);
        rig.Deliver(MessageKind.DownChunk, new ChunkPayload { TransferId = transferId, ContentType = VariantAssignment.ContentTypeModel, Index = 0, Count = 1, TotalLength = (uint)model.Bytes.Length, ArtifactCrc = crc, Data = model.Bytes }.Encode());
        rig.SyncUntilEmpty();
    }

    private static CommandResultPayload RollBack(DeviceRig rig, string from, string to)
    {
        uint id = ++_nextCommand;
        var args = new VariantRollback { Role = VariantAssignment.RolePlugged, FromVariantId = from, ToVariantId = to }.Encode();
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = id, Name = VariantRollback.CommandName, Arguments = args }.Encode());
        rig.SyncUntilEmpty();
        return rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).Single(r => r.CommandId == id);
    }

    private static List<VariantSwitchPayload> Reports(DeviceRig rig) =>
        [.. rig.Host.StoredOfKind(MessageKind.VariantSwitch).Select(m => VariantSwitchPayload.Decode(m.Payload))];

    [Fact]
    public void A_rollback_command_returns_the_role_to_its_kept_previous_variant_and_reports_it()
    {
        var rig = Rig();
        Install(rig, TestModels.Signed("v1", 1), 11);
        Install(rig, TestModels.Signed("v2", 2), 12);
        Assert.Equal("v2", rig.Device.Variants.ServingVariantId);
        int changes = rig.Device.Variants.ModelChanges;

        var result = RollBack(rig, "v2", "v1");
        Assert.Equal(CommandResultPayload.Ok, result.Status);
        Assert.Equal("rolled back to v1", result.Detail);
        Assert.Equal("v1", rig.Device.Variants.ServingVariantId);
        Assert.Equal(changes + 1, rig.Device.Variants.ModelChanges);
        var report = Reports(rig).Last();
        Assert.Equal(VariantSwitchPayload.ReasonRolledBack, report.Reason);
        Assert.Equal(VariantAssignment.RolePlugged, report.AssignedRole);
        Assert.Equal(ModelResult.Ok, report.Result);
        Assert.Equal("v1", report.PluggedVariantId);

        // Repeated (a resent command): nothing changes, the answer is still ok.
        var again = RollBack(rig, "v2", "v1");
        Assert.Equal(CommandResultPayload.Ok, again.Status);
        Assert.Equal("already on v1", again.Detail);
        Assert.Single(Reports(rig), r => r.Reason == VariantSwitchPayload.ReasonRolledBack);

        // A reboot keeps the rolled-back state.
        rig.Reboot();
        Assert.Equal("v1", rig.Device.Variants.ServingVariantId);
    }

    [Fact]
    public void A_rollback_that_does_not_match_what_the_role_runs_is_refused_and_changes_nothing()
    {
        var rig = Rig();
        Install(rig, TestModels.Signed("v1", 1), 11);

        var nothingKept = RollBack(rig, "v1", "v0");
        Assert.Equal(CommandResultPayload.Refused, nothingKept.Status);
        Assert.Contains("runs v1 with (none) kept", nothingKept.Detail);

        Install(rig, TestModels.Signed("v2", 2), 12);
        var stale = RollBack(rig, "v3", "v1");
        Assert.Equal(CommandResultPayload.Refused, stale.Status);
        Assert.Equal("v2", rig.Device.Variants.ServingVariantId);
        Assert.DoesNotContain(Reports(rig), r => r.Reason == VariantSwitchPayload.ReasonRolledBack);
    }

    [Fact]
    public void A_model_that_fails_to_load_sends_the_role_back_by_itself_with_the_load_failure_reported()
    {
        var rig = Rig();
        Install(rig, TestModels.Signed("v1", 1), 11);
        Install(rig, TestModels.Signed("v2", 2), 12);

        Assert.True(rig.Device.Variants.ReportLoadFailure());
        rig.SyncUntilEmpty();
        Assert.Equal("v1", rig.Device.Variants.ServingVariantId);
        var report = Reports(rig).Last();
        Assert.Equal(VariantSwitchPayload.ReasonRolledBack, report.Reason);
        Assert.Equal(ModelResult.LoadFailed, report.Result);

        // Nothing left to go back to.
        Assert.False(rig.Device.Variants.ReportLoadFailure());
    }

    [Fact]
    public void An_installed_download_frees_its_flash_and_a_stray_download_gives_way_to_an_assigned_one()
    {
        var rig = Rig();
        var v1 = TestModels.Signed("v1", 1);
        Install(rig, v1, 11);
        Assert.False(rig.Device.Downloads.Active);
        Assert.False(rig.Storage.Exists(DeviceComposition.DownloadName + ".part"));

        // A late resend of transfer 11's first chunk starts a download nothing waits for.
        var v2 = TestModels.Signed("v2", 2);
        rig.Deliver(MessageKind.DownChunk, new ChunkPayload { TransferId = 11, ContentType = 1, Index = 0, Count = 2, TotalLength = (uint)v1.Bytes.Length, ArtifactCrc = Crc32.Compute(v1.Bytes, 0, v1.Bytes.Length), Data = v1.Bytes[..(v1.Bytes.Length / 2)] }.Encode());
        rig.SyncUntilEmpty();
        Assert.True(rig.Device.Downloads.Active);

        Install(rig, v2, 12);
        Assert.Equal("v2", rig.Device.Variants.ServingVariantId);
        Assert.Contains(rig.Log.Lines, l => l.Contains("dropping download 11"));
    }

    [Fact]
    public void The_hello_after_a_reboot_reports_the_first_bytes_of_each_roles_active_content_hash()
    {
        var rig = Rig();
        var v1 = TestModels.Signed("v1", 1);
        Install(rig, v1, 11);
        rig.Reboot();
        rig.SyncUntilEmpty();

        var hello = HelloPayload.Decode(rig.Host.StoredOfKind(MessageKind.Hello).Last().Payload);
        Assert.NotNull(hello.InstalledHashes);
        Assert.Equal(v1.Hash[..HelloPayload.InstalledHashBytes], hello.InstalledHashes![0]);
        Assert.Equal(new byte[HelloPayload.InstalledHashBytes], hello.InstalledHashes[1]); // nothing in the battery role
    }

}
