using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    [StoreFact]
    public async Task Device_tags_are_added_removed_listed_and_looked_up()
    {
        await Store.RegisterDeviceAsync(new DeviceRegistration("dev-a", "lab", "esp32-c3", null));
        await Store.RegisterDeviceAsync(new DeviceRegistration("dev-b", "lab", "esp32-s3", null));

        Assert.Equal(["outdoor", "site=berlin"], await Store.ChangeDeviceTagsAsync("dev-a", ["site=berlin", "outdoor", "outdoor"], [], 32));
        Assert.Equal(["beta", "site=berlin"], await Store.ChangeDeviceTagsAsync("dev-b", ["site=berlin", "beta"], ["absent"], 32));
        Assert.Equal(["beta"], await Store.ChangeDeviceTagsAsync("dev-b", [], ["site=berlin"], 32));
        Assert.Null(await Store.ChangeDeviceTagsAsync("nobody", ["x"], [], 32));

        Assert.Equal(["outdoor", "site=berlin"], await Store.DeviceTagsAsync("dev-a"));
        Assert.Empty(await Store.DeviceTagsAsync("nobody"));
        var all = await Store.AllDeviceTagsAsync();
        Assert.Equal(["beta"], all["dev-b"]);
        Assert.Equal(2, all.Count);

        await Store.ChangeDeviceTagsAsync("dev-b", ["outdoor"], [], 32);
        Assert.Equal(["dev-a", "dev-b"], await Store.DevicesWithTagsAsync(["outdoor"]));
        Assert.Equal(["dev-a"], await Store.DevicesWithTagsAsync(["outdoor", "site=berlin"]));
        Assert.Empty(await Store.DevicesWithTagsAsync(["outdoor", "site=paris"]));
    }

    [StoreFact]
    public async Task A_tag_change_past_the_limit_is_refused_whole()
    {
        await Store.RegisterDeviceAsync(new DeviceRegistration("dev-a", "lab", "esp32-c3", null));
        await Store.ChangeDeviceTagsAsync("dev-a", ["t1", "t2"], [], 3);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.ChangeDeviceTagsAsync("dev-a", ["t3", "t4"], [], 3));
        Assert.Contains("at most 3", e.Message, StringComparison.Ordinal);
        Assert.Equal(["t1", "t2"], await Store.DeviceTagsAsync("dev-a"));

        // Removals come first, so a swap at the limit fits.
        Assert.Equal(["t2", "t3", "t4"], await Store.ChangeDeviceTagsAsync("dev-a", ["t3", "t4"], ["t1"], 3));
    }

    [StoreFact]
    public async Task A_decommissioned_device_loses_its_credential_keeps_its_first_reason_and_is_reinstated_by_registration()
    {
        await Store.RegisterDeviceAsync(new DeviceRegistration("dev-a", "lab", "esp32-c3", "sha256$00$11"));
        await Store.RegisterDeviceAsync(new DeviceRegistration("dev-b", "lab", "esp32-c3", "sha256$00$22"));

        Assert.True(await Store.DecommissionDeviceAsync("dev-a", "stolen", T0));
        Assert.True(await Store.DecommissionDeviceAsync("dev-a", "again", T0.AddHours(1)));
        Assert.False(await Store.DecommissionDeviceAsync("nobody", "x", T0));

        var gone = (await Store.GetDeviceAsync("dev-a"))!;
        Assert.True(gone.Decommissioned);
        Assert.Equal((T0, "stolen", (string?)null), (gone.DecommissionedAt!.Value, gone.DecommissionReason, gone.CredentialHash));
        Assert.False((await Store.GetDeviceAsync("dev-b"))!.Decommissioned);
        Assert.Equal(["dev-a"], await Store.DecommissionedDevicesAsync());
        Assert.Contains(await Store.ListDevicesAsync("lab"), d => d.DeviceId == "dev-a" && d.Decommissioned);

        await Store.RegisterDeviceAsync(new DeviceRegistration("dev-a", "lab", "esp32-c3", "sha256$00$33"));
        var back = (await Store.GetDeviceAsync("dev-a"))!;
        Assert.Equal((false, string.Empty, "sha256$00$33"), (back.Decommissioned, back.DecommissionReason, back.CredentialHash));
        Assert.Empty(await Store.DecommissionedDevicesAsync());
    }

    [StoreFact]
    public async Task Rollouts_and_rounds_keep_their_tag_cohort()
    {
        long tagged = await Store.CreateRolloutAsync(Rollout("cnn-w1", "lab", null) with { Cohort = "outdoor and not beta" });
        long plain = await Store.CreateRolloutAsync(Rollout("mlp-w1", "lab", null));
        Assert.Equal("outdoor and not beta", (await Store.GetRolloutAsync(tagged))!.Cohort);
        Assert.Null((await Store.GetRolloutAsync(plain))!.Cohort);

        await Store.UpdateRolloutAsync(tagged, "paused", 10, "paused at stage 10%");
        Assert.Contains(await Store.ListRolloutsAsync(unfinishedOnly: true), r => r.RolloutId == tagged && r.State == "paused");

        var round = new RoundRecord("r-tags", "fashion", "cnn-w1", 1, new string('b', 64), 1, "lab", null, "fedavg", "{}", "configured", "", T0, T0.AddHours(1), T0, null, null, null, null, null, 1, "site=berlin");
        Assert.True(await Store.CreateRoundAsync(round));
        Assert.True(await Store.CreateRoundAsync(round with { RoundId = "r-plain", Cohort = null }));
        Assert.Equal("site=berlin", (await Store.GetRoundAsync("r-tags"))!.Cohort);
        Assert.Null((await Store.GetRoundAsync("r-plain"))!.Cohort);
        Assert.True(await Store.UpdateRoundAsync((await Store.GetRoundAsync("r-tags"))! with { State = "collecting" }, 1));
        Assert.Equal("site=berlin", (await Store.GetRoundAsync("r-tags"))!.Cohort);
    }
}
