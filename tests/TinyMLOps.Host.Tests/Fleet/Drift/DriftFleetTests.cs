using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Drift;

/// <summary>
/// End to end over the embedded broker: virtual boards run the profiled model on real images, their drift monitors
/// upload noised windows through the outbox, the host scores and stores them against the profile from the variant
/// registry, and the analyzer raises alerts for the shifted boards only.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class DriftFleetTests
{
    [Fact]
    public async Task Boards_whose_sensor_shifts_raise_host_alerts_with_evidence_and_clean_boards_do_not()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        byte[] model = DriftTestModels.MlpWithProfile;
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        var summary = ModelSummary.Of(model);
        registry.Add(new VariantArtifact("mlp-drift", "fashion", 0, summary.ContentHash, "mlp", 1, 0.8, 100, summary, "test", DateTimeOffset.UnixEpoch), model);
        var store = h.OpenSqlite();
        h.Own(store);
        var host = await SyncHost.StartAsync(new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-drift", MaxBatch = 256, VariantRegistryPath = registry.Root }, store, NullLoggerFactory.Instance);
        h.Own(host);

        var shiftAt = TimeSpan.FromMinutes(60);
        SensorShift?[] shifts = [new SensorShift { At = shiftAt, Brightness = 40 }, new SensorShift { At = shiftAt, ClassWeights = [6, .45, .45, .45, .45, .45, .45, .45, .45, .45] }, null, null, null, null];
        for (int i = 0; i < shifts.Length; i++)
        {
            var board = new VirtualBoard(
                new VirtualBoardOptions { DeviceId = $"drift-{i}", Fleet = "lab", HeartbeatIntervalSeconds = 3600, InferencesPerMinute = 30, DriftWindowSeconds = 600, Shift = shifts[i], Seed = i + 1 },
                "127.0.0.1",
                port,
                Path.Combine(h.Directory_, "boards"),
                h.Clock,
                NullLogger.Instance,
                model: model,
                sensor: new DatasetSensor(TestData.Fashion.Test.Slice(i * 1500, 1500)));
            h.Track(board);
            h.Fleet.Add(board);
        }

        // An hour clean (six windows), then half an hour shifted (three windows).
        h.Run(TimeSpan.FromMinutes(91), TimeSpan.FromMinutes(1), pauseMillis: 5);
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        await MosquittoSyncTests.WaitUntilAsync(() => store.DriftWindowsAsync(new DriftWindowQuery()).Result.Count >= 6 * 9);

        var windows = await store.DriftWindowsAsync(new DriftWindowQuery { Fleet = "lab" });
        Assert.All(windows, w => Assert.True(w.Scored && w.Epsilon > 0 && w.VariantId == "mlp-drift" && w.Board == "esp32-devkitc"));
        var devices = new DriftAnalyzer(DriftProfiles.FromRegistry(registry)).Devices(windows);
        Assert.Equal(["drift-0", "drift-1"], devices.Where(d => d.Alert != null).Select(d => d.DeviceId));

        // Evidence: the brighter camera moves input regions; the skewed mix moves the predicted classes. Both date from after the shift.
        var covariate = devices[0].Alert!;
        Assert.NotEmpty(covariate.Features);
        Assert.True(covariate.Features[0].Psi > 0.2);
        Assert.True(devices[1].Alert!.ClassDrifted, devices[1].Alert!.Describe());
        Assert.All(devices.Take(2), d => Assert.True(d.Windows.First(w => w.Record.Sequence == d.Alert!.SinceSequence).Record.WindowStart >= 3000));
        // Every window after the shift is flagged (windows before it can be too, by sampling noise; the alert above dates from after it).
        Assert.All(devices.Take(2), d => Assert.All(d.Windows.Where(w => w.Record.WindowStart >= shiftAt.TotalSeconds), w => Assert.True(w.Score.Drifted)));

        // The host published each alert it saw open once to the webhook outbox (a noise run before the shift may have
        // opened one too, when a clean window did not close it in the same batch); the shifted boards' alerts are among
        // them, dated from the same window, and the clean boards have none.
        var events = (await store.FleetEventsAsync(FleetEventTypes.DriftAlert)).Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("data")).ToList();
        Assert.Equal(["drift-0", "drift-1"], events.Select(e => e.GetProperty("deviceId").GetString()).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(events.Count, events.Select(e => (e.GetProperty("deviceId").GetString(), e.GetProperty("sinceSequence").GetInt64())).Distinct().Count());
        Assert.All(devices.Take(2), d =>
        {
            var data = events.Single(e => e.GetProperty("deviceId").GetString() == d.DeviceId && e.GetProperty("sinceSequence").GetInt64() == d.Alert!.SinceSequence);
            Assert.Equal(("lab", "mlp-drift"), (data.GetProperty("cohort").GetProperty("fleet").GetString(), data.GetProperty("cohort").GetProperty("variantId").GetString()));
        });
        Assert.True(events.Where(e => e.GetProperty("deviceId").GetString() == "drift-0").Max(e => e.GetProperty("features")[0].GetProperty("psi").GetDouble()) > 0.2);
    }
}
