using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static RolloutRecord Rollout(string variant, string? fleet, string? board) =>
        new(0, variant, 2, new string('a', 64), 1, fleet, board, 10, "10,50,100", "{}", "active", "stage 10%", T0, T0);

    [StoreFact]
    public async Task Rollouts_are_recorded_listed_and_moved_through_their_states()
    {
        long first = await Store.CreateRolloutAsync(Rollout("cnn-w1", "lab", null));
        long second = await Store.CreateRolloutAsync(Rollout("mlp-w1", null, "esp32-c3"));
        Assert.True(second > first);

        var got = (await Store.GetRolloutAsync(first))!;
        Assert.Equal(("cnn-w1", 2, "lab", (string?)null, 10, "10,50,100", "active"), (got.VariantId, got.Version, got.Fleet, got.Board, got.Percent, got.Stages, got.State));
        Assert.Equal("esp32-c3", (await Store.GetRolloutAsync(second))!.Board);
        Assert.Null(await Store.GetRolloutAsync(9999));

        await Store.UpdateRolloutAsync(first, "completed", 100, "completed: healthy");
        Assert.Equal([second, first], (await Store.ListRolloutsAsync()).Select(r => r.RolloutId));
        Assert.Equal([second], (await Store.ListRolloutsAsync(unfinishedOnly: true)).Select(r => r.RolloutId));
        var done = (await Store.GetRolloutAsync(first))!;
        Assert.Equal((100, "completed: healthy"), (done.Percent, done.Reason));
        Assert.True(done.UpdatedAt >= done.CreatedAt);
    }

    [StoreFact]
    public async Task A_rollout_device_keeps_its_assignment_facts_while_its_state_moves_on()
    {
        long id = await Store.CreateRolloutAsync(Rollout("cnn-w1", "lab", null));
        var assigned = new RolloutDeviceRecord(id, "dev-1", "assigned", "cnn-w0.5", new string('b', 64), 41, T0, null, T0, "transfer 7");
        await Store.UpsertRolloutDeviceAsync(assigned);
        await Store.UpsertRolloutDeviceAsync(assigned with { DeviceId = "dev-2", CommandId = null, PreviousVariant = "" });

        // Later updates keep the command and the install time unless they bring new ones.
        await Store.UpsertRolloutDeviceAsync(assigned with { State = "installed", CommandId = null, InstalledAt = T0.AddMinutes(5), UpdatedAt = T0.AddMinutes(5), Detail = "installed" });
        await Store.UpsertRolloutDeviceAsync(assigned with { State = "rolling-back", CommandId = 42, InstalledAt = null, UpdatedAt = T0.AddMinutes(9), Detail = "back to cnn-w0.5" });

        var devices = await Store.RolloutDevicesAsync(id);
        Assert.Equal(["dev-1", "dev-2"], devices.Select(d => d.DeviceId));
        var d1 = devices[0];
        Assert.Equal(("rolling-back", "cnn-w0.5", 42L, T0, T0.AddMinutes(5), "back to cnn-w0.5"), (d1.State, d1.PreviousVariant, d1.CommandId!.Value, d1.AssignedAt, d1.InstalledAt!.Value, d1.Detail));
        Assert.Null(devices[1].CommandId);
        Assert.Null(devices[1].InstalledAt);

        long other = await Store.CreateRolloutAsync(Rollout("mlp-w1", "lab", null));
        await Store.UpsertRolloutDeviceAsync(assigned with { RolloutId = other, State = "assigned" });
        Assert.Equal([other, id], (await Store.DeviceRolloutsAsync("dev-1")).Select(d => d.RolloutId));
    }
}
