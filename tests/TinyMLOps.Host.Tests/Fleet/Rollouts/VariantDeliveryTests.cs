using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Fleet.Rollouts;

/// <summary>Variants delivered over the embedded broker to a virtual board, and the board's role switch reported back.</summary>
[Collection(SyncCollection.Name)]
public sealed class VariantDeliveryTests
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1))];

    private static (VariantArtifact Artifact, byte[] File) Tiny(string variantId, int seed)
    {
        byte[] file = BrightestModel.Build(variantId, (byte)(100 + seed), ["left", "middle", "right"]);
        var summary = ModelSummary.Of(file);
        return (new VariantArtifact(variantId, "brightest", 1, summary.ContentHash, "fc", 1, 0.9, 100, summary, "test", DateTimeOffset.UnixEpoch), file);
    }

    [Fact]
    public void Device_keys_are_derived_per_device_and_sign_tags_the_device_checks()
    {
        var keys = new DeviceKeys(MasterKey);
        byte[] message = [.. "tinymlops-device-key-v1"u8, .. "dev-1"u8];
        byte[] expected = System.Security.Cryptography.HMACSHA256.HashData(MasterKey, message);
        Assert.Equal(expected, keys.For("dev-1"));
        Assert.NotEqual(keys.For("dev-1"), keys.For("dev-2"));
        Assert.Equal(keys.For("dev-1"), DeviceKeys.Parse(Convert.ToHexString(MasterKey)).For("dev-1"));
        Assert.Equal(keys.For("dev-1"), DeviceKeys.Parse(Convert.ToBase64String(MasterKey)).For("dev-1"));
        Assert.Throws<ArgumentException>(() => new DeviceKeys(new byte[8]));

        var (artifact, file) = Tiny("fc-a", 1);
        var assignment = VariantDelivery.Assignment(VariantAssignment.RoleBattery, artifact, file, keys.For("dev-1"));
        var verifier = new ArtifactVerifier(keys.For("dev-1"));
        Assert.Equal(ModelResult.Ok, verifier.Verify(file, assignment.ContentHash, assignment.Tag, "fc-a"));
        Assert.Equal(ModelResult.TagMismatch, new ArtifactVerifier(keys.For("dev-2")).Verify(file, assignment.ContentHash, assignment.Tag, "fc-a"));
        Assert.Equal(VariantDelivery.TransferIdOf(assignment.ContentHash), assignment.TransferId);
        Assert.Throws<InvalidDataException>(() => VariantDelivery.Assignment(1, artifact, Tiny("fc-b", 2).File, keys.For("dev-1")));
    }

    [Fact]
    public async Task A_board_gets_both_roles_variants_switches_role_when_unplugged_and_the_host_stores_the_switch()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var board = h.AddBoard(new VirtualBoardOptions { DeviceId = "var-1", Fleet = "test", HasBattery = true, BatteryPercent = 80, PluggedHoursPerDay = 1, HeartbeatIntervalSeconds = 600, Seed = 3 }, port, artifactKey: keys.For("var-1"));
        var (plugged, pluggedFile) = Tiny("fc-plugged", 20);
        var (battery, batteryFile) = Tiny("fc-battery", 1);

        // Assigned while the board has never been online: the command and the chunks go out at its hello.
        var first = await VariantDelivery.AssignAsync(host.Store, host, "test", "var-1", VariantAssignment.RolePlugged, plugged, pluggedFile, keys.For("var-1"));
        await Task.Delay(300);
        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 20);
            return board.Device.Variants.Store.Slots(ModelRole.Plugged).ActiveVariantId == "fc-plugged";
        });
        Assert.Equal("fc-plugged", board.RunningVariantId);

        // Online now: the battery variant follows.
        var second = await VariantDelivery.AssignAsync(host.Store, host, "test", "var-1", VariantAssignment.RoleBattery, battery, batteryFile, keys.For("var-1"));
        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 20);
            return board.Device.Variants.Store.Slots(ModelRole.Battery).ActiveVariantId == "fc-battery";
        });
        Assert.Equal("fc-plugged", board.RunningVariantId);
        Assert.True(h.Clock.Millis < TimeSpan.FromHours(1).TotalMilliseconds, "still within the plugged hour");

        // The charger goes at the end of the first simulated hour: the board runs the battery variant.
        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), pauseMillis: 20);
            return VariantDelivery.SwitchReportsAsync(store, "var-1").Result.Any(r => r.Report.Reason == VariantSwitchPayload.ReasonPower);
        }, 60_000);
        Assert.Equal(ModelRole.Battery, board.Device.Variants.SelectedRole);
        Assert.Equal("fc-battery", board.RunningVariantId);

        var reports = await VariantDelivery.SwitchReportsAsync(store, "var-1");
        Assert.Equal(
            [(VariantSwitchPayload.ReasonInstalled, VariantAssignment.RolePlugged), (VariantSwitchPayload.ReasonInstalled, VariantAssignment.RoleBattery)],
            reports.Where(r => r.Report.Reason == VariantSwitchPayload.ReasonInstalled).Select(r => (r.Report.Reason, r.Report.AssignedRole)).Distinct());
        var power = reports.Single(r => r.Report.Reason == VariantSwitchPayload.ReasonPower).Report;
        Assert.Equal(VariantAssignment.RolePlugged, power.FromRole);
        Assert.Equal(VariantAssignment.RoleBattery, power.ToRole);
        Assert.Equal(1, power.PowerSource);
        Assert.Equal(1u, power.SwitchesTotal);
        Assert.Equal("fc-plugged", power.PluggedVariantId);
        Assert.Equal("fc-battery", power.BatteryVariantId);

        foreach (var ticket in new[] { first, second })
        {
            var command = await store.GetCommandAsync(ticket.CommandId);
            Assert.Equal(CommandResultPayload.Ok, command!.Status);
            Assert.Equal("awaiting transfer " + ticket.Assignment.TransferId, command.Detail);
            Assert.True(ticket.Transfer.Complete);
        }

        Assert.Empty(await store.RejectsAsync());
    }

    [Fact]
    public async Task A_model_image_copied_from_one_boards_flash_to_another_does_not_load_there_and_still_loads_on_the_first()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var owner = h.AddBoard(new VirtualBoardOptions { DeviceId = "copy-a", Fleet = "test", HeartbeatIntervalSeconds = 600, Seed = 7 }, port, artifactKey: keys.For("copy-a"));
        var thief = h.AddBoard(new VirtualBoardOptions { DeviceId = "copy-b", Fleet = "test", HeartbeatIntervalSeconds = 600, Seed = 8 }, port, artifactKey: keys.For("copy-b"));
        var (artifact, file) = Tiny("fc-secret", 9);

        var ticket = await VariantDelivery.AssignAsync(host.Store, host, "test", "copy-a", VariantAssignment.RolePlugged, artifact, file, keys.For("copy-a"));
        Assert.Equal((uint)(file.Length + SealedArtifact.OverheadBytes), ticket.Assignment.TotalLength);
        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 20);
            return owner.RunningVariantId == "fc-secret";
        });

        // At rest the slot holds the sealed bytes: no 16-byte window of the model file is readable off the flash.
        var slots = owner.Device.Variants!.Store.Slots(ModelRole.Plugged);
        byte[] atRest = owner.Storage.ReadAll(slots.SlotFile(slots.ActiveSlot))!;
        Assert.True(SealedArtifact.IsSealed(atRest));
        string atRestHex = Convert.ToHexString(atRest);
        for (int at = 0; at + 16 <= file.Length; at += 16)
        {
            Assert.DoesNotContain(Convert.ToHexString(file, at, 16), atRestHex, StringComparison.Ordinal);
        }

        // The whole model image (slots and activation records of both roles) copied onto the second board's flash.
        foreach (string path in Directory.EnumerateFiles(owner.Storage.Root).Where(p => Path.GetFileName(p).StartsWith(VariantStore.PluggedPrefix, StringComparison.Ordinal) || Path.GetFileName(p).StartsWith(VariantStore.BatteryPrefix, StringComparison.Ordinal)))
        {
            File.Copy(path, Path.Combine(thief.Storage.Root, Path.GetFileName(path)), overwrite: true);
        }

        thief.Reboot();
        owner.Reboot();
        h.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), pauseMillis: 20);

        var stolen = thief.Device.Variants!.Store.Slots(ModelRole.Plugged);
        Assert.True(stolen.FellBackOnOpen);
        Assert.False(stolen.HasActive);
        Assert.Null(thief.RunningVariantId);
        Assert.Equal(ModelResult.NotSealedForDevice, new ArtifactVerifier(keys.For("copy-b"), DotNetAesBlockCipher.Instance).Verify(atRest, ticket.Assignment.ContentHash, ticket.Assignment.Tag, "fc-secret"));
        Assert.Equal("fc-secret", owner.RunningVariantId);
        Assert.Equal(file, owner.Device.Variants!.Store.ReadModel(ModelRole.Plugged));
    }

    [Fact]
    public async Task A_flash_image_restored_to_an_older_model_loads_but_the_host_sees_it_in_the_next_hello()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var board = h.AddBoard(new VirtualBoardOptions { DeviceId = "restore-1", Fleet = "test", HeartbeatIntervalSeconds = 600, Seed = 11 }, port, artifactKey: keys.For("restore-1"));
        var (v1, v1File) = Tiny("fc-v1", 12);
        var (v2, v2File) = Tiny("fc-v2", 13);

        async Task InstallAsync(VariantArtifact artifact, byte[] file)
        {
            await VariantDelivery.AssignAsync(host.Store, host, "test", "restore-1", VariantAssignment.RolePlugged, artifact, file, keys.For("restore-1"));
            await MosquittoSyncTests.WaitUntilAsync(() =>
            {
                h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 20);
                return board.RunningVariantId == artifact.VariantId
                    && VariantDelivery.SwitchReportsAsync(store, "restore-1").Result.Any(r => r.Report.Reason == VariantSwitchPayload.ReasonInstalled && r.Report.PluggedVariantId == artifact.VariantId);
            });
        }

        await InstallAsync(v1, v1File);
        bool IsModelFile(string path) => Path.GetFileName(path).StartsWith(VariantStore.PluggedPrefix, StringComparison.Ordinal) || Path.GetFileName(path).StartsWith(VariantStore.BatteryPrefix, StringComparison.Ordinal);
        var snapshot = Directory.EnumerateFiles(board.Storage.Root).Where(IsModelFile).ToDictionary(p => Path.GetFileName(p), File.ReadAllBytes);
        await InstallAsync(v2, v2File);
        Assert.Empty(await StaleImageCheck.CheckAsync(store, "restore-1"));

        // Someone with the board in hand writes the older slots and activation records back: all verify under its own key.
        foreach (string path in Directory.EnumerateFiles(board.Storage.Root).Where(IsModelFile))
        {
            File.Delete(path);
        }

        foreach (var (name, bytes) in snapshot)
        {
            File.WriteAllBytes(Path.Combine(board.Storage.Root, name), bytes);
        }

        board.Reboot();
        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 20);
            return host.Metrics.StaleImages > 0;
        });

        Assert.Equal("fc-v1", board.RunningVariantId);
        var finding = Assert.Single(await StaleImageCheck.CheckAsync(store, "restore-1"));
        Assert.Equal((VariantAssignment.RolePlugged, "fc-v1", "fc-v2"), (finding.Role, finding.ReportedVariant, finding.InstalledVariant));
        Assert.Equal(Convert.ToHexStringLower(ModelReader.Read(v1File).ContentHash[..8]), finding.Reported);
        Assert.Contains("older than the fc-v2", finding.Describe());
    }

    [Fact]
    public async Task Both_roles_assigned_at_once_to_an_offline_board_travel_one_after_the_other_and_both_install()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true, MasterKey);
        host.Transfers.ResendAfter = TimeSpan.FromMilliseconds(200);
        var keys = new DeviceKeys(MasterKey);
        var board = h.AddBoard(new VirtualBoardOptions { DeviceId = "both-1", Fleet = "test", HeartbeatIntervalSeconds = 600, Seed = 5 }, port, artifactKey: keys.For("both-1"));
        var (plugged, pluggedFile) = Tiny("fc-p", 30);
        var (battery, batteryFile) = Tiny("fc-b", 31);

        var first = await VariantDelivery.AssignAsync(host.Store, host, "test", "both-1", VariantAssignment.RolePlugged, plugged, pluggedFile, keys.For("both-1"));
        var second = await VariantDelivery.AssignAsync(host.Store, host, "test", "both-1", VariantAssignment.RoleBattery, battery, batteryFile, keys.For("both-1"));
        Assert.Equal([first.Assignment.TransferId, second.Assignment.TransferId], host.Transfers.Queue("both-1").Select(t => t.TransferId));
        Assert.Equal(0, second.Transfer.ChunksSent); // waits for the first: the device holds one download at a time

        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseMillis: 20);
            var v = board.Device.Variants.Store;
            return v.Slots(ModelRole.Plugged).ActiveVariantId == "fc-p" && v.Slots(ModelRole.Battery).ActiveVariantId == "fc-b";
        }).ContinueWith(t =>
        {
            if (t.IsFaulted)
            {
                var v = board.Device.Variants.Store;
                throw new Exception($"plugged {v.Slots(ModelRole.Plugged).ActiveVariantId}, battery {v.Slots(ModelRole.Battery).ActiveVariantId}, download {board.Device.Downloads.Active}/{board.Device.Downloads.TransferId}/{board.Device.Downloads.IsComplete}, " +
                    $"first {first.Transfer.Complete} {first.Transfer.ChunksSent}/{first.Transfer.ChunkCount}, second {second.Transfer.Complete} {second.Transfer.ChunksSent}/{second.Transfer.ChunkCount}, pending {board.Device.Variants.Pending(ModelRole.Plugged)?.TransferId} {board.Device.Variants.Pending(ModelRole.Battery)?.TransferId}");
            }
        });

        Assert.True(first.Transfer.Complete && second.Transfer.Complete);
        Assert.Empty(host.Transfers.Queue("both-1"));

        Assert.False(board.Device.Downloads.Active);
    }
}
