using System.Text.Json;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Console.Drift;

/// <summary>`drift report --output json` for the fleet and for one device, over windows made by the device's drift monitor.</summary>
public sealed class DriftJsonCliTests : ConsoleTest
{
    private string Db => Path.Combine(Dir.FullName, "fleet.db");

    private string Registry => Path.Combine(Dir.FullName, "registry");

    /// <summary>Six devices of fleet "lab", four hourly windows each; cam-0's camera gets brighter after the second.</summary>
    private async Task SeedAsync()
    {
        const int devices = 6;
        byte[] file = DriftTestModels.MlpWithProfile;
        var registry = VariantRegistry.Open(Registry);
        var summary = ModelSummary.Of(file);
        registry.Add(new VariantArtifact("mlp-drift", "fashion", 0, summary.ContentHash, "mlp", 1, 0.8, 100, summary, "test", DateTimeOffset.UnixEpoch), file);
        var model = ModelReader.Read(file);
        var classifier = new Classifier(file);
        var records = new List<IngestRecord>();
        var at = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);
        var raw = new byte[784];
        var scratch = new byte[784];
        for (int d = 0; d < devices; d++)
        {
            var monitor = DriftMonitor.ForModel(model, new DriftOptions(), new Random(d))!;
            monitor.TakeWindow(0, "mlp-drift");
            long seq = 0;
            for (int i = 1; i <= 4 * 360; i++)
            {
                TestData.Fashion.Test.Image((d * 1500) + (i % 1500)).CopyTo(raw);
                if (d == 0 && i > 2 * 360)
                {
                    CovariateShift.Apply(new SensorShift { Brightness = 40 }, raw, 28, 28, 1, new Random(i), scratch);
                }

                int predicted = classifier.Classify(raw, 0);
                monitor.ObservePixels(raw, 0, predicted, classifier.TopConfidence());
                if (monitor.TakeWindow(i * 10_000L, "mlp-drift") is { } window)
                {
                    seq++;
                    records.Add(new IngestRecord("lab", $"cam-{d}", seq, MessageKind.Drift, (uint)seq, at.AddHours(seq), window.Encode()));
                }
            }
        }

        await using var store = await FleetStoreFactory.OpenAsync(null, Db);
        await store.IngestAsync(records);
        Assert.Equal(devices * 4, await new DriftIngest(store, DriftProfiles.FromRegistry(registry)).CatchUpAsync());
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
