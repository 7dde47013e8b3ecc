using System.Text.Json;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Host.Tests.Console.Drift;

/// <summary>`drift report` and `drift plot` through the real command tree, over windows made by the device's drift monitor.</summary>
public sealed class DriftCliTests : ConsoleTest
{
    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private string Registry => Path.Combine(Dir.FullName, "registry");

    /// <summary>Devices of fleet "lab" (six unless told), four hourly windows each; cam-0's camera gets brighter after the second.</summary>
    private async Task SeedAsync(int devices = 6)
    {
        byte[] file = DriftTestModels.MlpWithProfile;
        var registry = VariantRegistry.Open(Registry);
        var summary = ModelSummary.Of(file);
        registry.Add(new VariantArtifact("mlp-drift", "fashion", 0, summary.ContentHash, "mlp", 1, 0.8, 100, summary, "test", DateTimeOffset.UnixEpoch), file);
        var records = DriftSeed.Windows(devices);
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        await store.IngestAsync(records);
        Assert.Equal(devices * 4, await new DriftIngest(store, DriftProfiles.FromRegistry(registry)).CatchUpAsync());
    }

    [Fact]
    public async Task Drift_report_of_a_shifted_device_shows_its_alert_with_evidence_and_the_reference_against_observed()
    {
        await SeedAsync();

        Assert.Equal(0, Run("drift", "report", "--device", "cam-0", "--registry", Registry, "--db", Db));
        string text = Out.ToString();
        Assert.Contains("ALERT cam-0 (mlp-drift): input regions #", text);
        Assert.Contains("since", text);
        Assert.Contains("DRIFT", text);
        Assert.Contains("bin 0 ref", text);
        Assert.Contains("class 9 obs", text);
    }

    [Fact]
    public async Task Drift_report_of_the_fleet_pools_the_cohort_and_lists_only_the_shifted_device()
    {
        await SeedAsync();

        Assert.Equal(0, Run("drift", "report", "--fleet", "lab", "--registry", Registry, "--db", Db));
        string text = Out.ToString();
        Assert.Contains("lab//mlp-drift/", text);
        Assert.Contains("device alerts: 1 of 6 devices", text);
        Assert.Contains("cam-0 (mlp-drift)", text);
        Assert.DoesNotContain("cam-1 (mlp-drift)", text);
    }

    [Fact]
    public async Task A_cohort_below_the_minimum_size_is_hidden_and_cannot_be_plotted()
    {
        await SeedAsync(devices: 4);

        Assert.Equal(0, Run("drift", "report", "--cohort", "lab/*/mlp-drift/*", "--registry", Registry, "--db", Db));
        Assert.Contains("hidden (fewer than 5 devices)", Out.ToString());
        Assert.NotEqual(0, Run("drift", "plot", "--cohort", "lab/*/mlp-drift/*", "-o", Path.Combine(Dir.FullName, "none.png"), "--registry", Registry, "--db", Db));
        Assert.Contains("it is shown from 5", Out.ToString());
        Assert.False(File.Exists(Path.Combine(Dir.FullName, "none.png")));
    }

    [Fact]
    public async Task Drift_plot_writes_a_png_for_a_device_and_for_a_cohort()
    {
        await SeedAsync();
        string device = Path.Combine(Dir.FullName, "cam-0.png");
        string cohort = Path.Combine(Dir.FullName, "cohort.png");

        Assert.Equal(0, Run("drift", "plot", "--device", "cam-0", "-o", device, "--registry", Registry, "--db", Db));
        Assert.Equal(0, Run("drift", "plot", "--cohort", "lab/*/mlp-drift/*", "-o", cohort, "--registry", Registry, "--db", Db));
        Assert.All([device, cohort], p => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(p)[..4]));
    }

    [Fact]
    public async Task Drift_report_json_gives_the_cohort_scores_the_device_alerts_and_one_devices_windows()
    {
        await SeedAsync();
        Assert.Equal(0, Run("drift", "report", "--fleet", "lab", "--registry", Registry, "--db", Db, "--output", "json"));
        using (var doc = JsonDocument.Parse(Out.ToString()))
        {
            var root = doc.RootElement;
            Assert.Equal(6, root.GetProperty("devices").GetInt32());
            var cohort = Assert.Single(root.GetProperty("cohorts").EnumerateArray());
            Assert.Equal("mlp-drift", cohort.GetProperty("key").GetProperty("variantId").GetString());
            Assert.Equal(6, cohort.GetProperty("devices").GetInt32());
            Assert.True(cohort.GetProperty("score").GetProperty("scored").GetBoolean());
            var alert = Assert.Single(root.GetProperty("deviceAlerts").EnumerateArray());
            Assert.Equal("cam-0", alert.GetProperty("subject").GetString());
            Assert.NotEmpty(alert.GetProperty("inputRegions").EnumerateArray());
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("drift", "report", "--device", "cam-0", "--registry", Registry, "--db", Db, "--output", "json"));
        using var one = JsonDocument.Parse(Out.ToString());
        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        var stored = (await store.DriftWindowsAsync(new DriftWindowQuery { DeviceId = "cam-0" })).OrderBy(w => w.Sequence).ToList();
        var windows = one.RootElement.GetProperty("windows").EnumerateArray().ToList();
        Assert.Equal(stored.Select(w => w.Sequence), windows.Select(w => w.GetProperty("sequence").GetInt64()));
        Assert.Equal(stored.Select(w => w.SampleCount), windows.Select(w => w.GetProperty("samples").GetInt64()));
        Assert.Equal(stored.Select(w => w.Drifted), windows.Select(w => w.GetProperty("score").GetProperty("drifted").GetBoolean()));
        Assert.True(windows[^1].GetProperty("score").GetProperty("drifted").GetBoolean());
        Assert.Equal("cam-0", one.RootElement.GetProperty("alert").GetProperty("subject").GetString());
    }
}
