using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.Signals;
using TinyMLOps.Simulation.Tasks;
using TinyMLOps.Simulation.VirtualBoards;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Simulation.Tasks;

/// <summary>
/// The vibration task on the virtual fleet, over the embedded broker: the built autoencoder is costed on every board
/// and rolled out to boards whose machines run live; on every other board a bearing defect appears after an hour and
/// grows. The faulty boards' anomaly rate rises and the host raises drift on them; the healthy boards stay near the
/// calibrated false-alarm rate.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class VibrationScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public void A_sensor_on_a_faulty_board_turns_faulty_at_the_fault_start_and_a_healthy_one_never_does()
    {
        var clock = new SimClock(DateTimeOffset.UnixEpoch);
        var scenario = new VibrationScenario { FaultStart = TimeSpan.FromMinutes(10) };
        var faulty = (MachineSensor)scenario.CreateSensor(VibrationTaskTests.Splits, 0, 2, clock, 1);
        var healthy = (MachineSensor)scenario.CreateSensor(VibrationTaskTests.Splits, 1, 2, clock, 1);
        var window = new short[VibrationTask.WindowSamples * VibrationGenerator.Axes];
        Assert.True(faulty.ReadSamples(window) && healthy.ReadSamples(window));
        Assert.Equal([0, 0], [faulty.LastLabel, healthy.LastLabel]);
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.True(faulty.ReadSamples(window) && healthy.ReadSamples(window));
        Assert.Equal([1, 0], [faulty.LastLabel, healthy.LastLabel]);
        double early = faulty.LastCondition!.OuterRaceDefect;
        clock.Advance(TimeSpan.FromMinutes(60));
        faulty.ReadSamples(window);
        Assert.True(faulty.LastCondition!.OuterRaceDefect > early, "the defect grows");
        Assert.False(faulty.ReadSamples(new short[10]), "a window of the wrong length");
    }

    [Fact]
    public async Task A_growing_bearing_fault_raises_the_anomaly_rate_and_drift_on_its_boards_only()
    {
        var (artifact, file, _) = VibrationTaskTests.Built.First(b => b.Artifact.VariantId == "autoencoder-w1");
        Int8Model model = ModelReader.Read(file);

        // Costed on every board: a model this small fits all of them.
        var costs = CostModel.EstimateAll(BoardCatalog.Default.All, artifact.Summary);
        Assert.Equal(BoardCatalog.Default.All.Count, costs.Count);
        Assert.All(costs, c => Assert.True(c.Fits, c.Reason));
        output.WriteLine(string.Join("; ", costs.Select(c => $"{c.BoardId} {c.LatencyMs:0.00} ms")));

        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        registry.Add(artifact, file);
        var store = h.OpenSqlite();
        h.Own(store);
        var host = await SyncHost.StartAsync(new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-vibration", MaxBatch = 256, VariantRegistryPath = registry.Root }, store, NullLoggerFactory.Instance);
        h.Own(host);

        var scenario = new VibrationScenario { FaultStart = TimeSpan.FromMinutes(60) };
        const int boards = 6;
        for (int i = 0; i < boards; i++)
        {
            var board = new VirtualBoard(
                new VirtualBoardOptions { DeviceId = $"machine-{i}", Fleet = "plant", HeartbeatIntervalSeconds = 3600, InferencesPerMinute = 30, DriftWindowSeconds = 600, Seed = i + 1 },
                "127.0.0.1",
                port,
                Path.Combine(h.Directory_, "boards"),
                h.Clock,
                NullLogger.Instance,
                model: file,
                sensor: scenario.CreateSensor(VibrationTaskTests.Splits, i, boards, h.Clock, seed: 11));
            h.Track(board);
            h.Fleet.Add(board);
        }

        // An hour healthy (six windows), then half an hour with the defect growing on the faulty boards (three windows).
        h.Run(TimeSpan.FromMinutes(91), TimeSpan.FromMinutes(1), pauseMillis: 5);
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        await MosquittoSyncTests.WaitUntilAsync(() => store.DriftWindowsAsync(new DriftWindowQuery()).Result.Count >= boards * 9);

        var windows = await store.DriftWindowsAsync(new DriftWindowQuery { Fleet = "plant" });
        Assert.All(windows, w => Assert.True(w.Scored && w.VariantId == "autoencoder-w1"));
        double faultAt = scenario.FaultStart.TotalSeconds;
        for (int i = 0; i < boards; i++)
        {
            var mine = windows.Where(w => w.DeviceId == $"machine-{i}").ToList();
            double before = AnomalyRate(mine.Where(w => w.WindowStart + w.WindowSeconds <= faultAt));
            double after = AnomalyRate(mine.Where(w => w.WindowStart >= faultAt));
            output.WriteLine($"machine-{i} ({(VibrationScenario.IsFaulty(i) ? "faulty" : "healthy")}): anomaly rate {before:P1} before the fault start, {after:P1} after");
            // The threshold is the 99th percentile over all healthy machines; the noisiest sensor sits above it (6 to 9 %).
            Assert.True(before <= 0.15, $"machine-{i} flags {before:P1} while healthy");
            if (VibrationScenario.IsFaulty(i))
            {
                Assert.True(after >= 0.8, $"machine-{i} flags only {after:P1} of a worn bearing's windows");
            }
            else
            {
                Assert.True(after <= 0.15, $"healthy machine-{i} flags {after:P1}");
            }
        }

        double healthy = AnomalyRate(windows.Where(w => !VibrationScenario.IsFaulty(int.Parse(w.DeviceId["machine-".Length..], System.Globalization.CultureInfo.InvariantCulture))));
        output.WriteLine($"healthy boards together: {healthy:P1}");
        Assert.True(healthy <= 0.05, $"the healthy boards flag {healthy:P1}");

        var devices = new DriftAnalyzer(DriftProfiles.FromRegistry(registry)).Devices(windows);
        foreach (var d in devices)
        {
            output.WriteLine($"{d.DeviceId}: {(d.Alert == null ? "no alert" : d.Alert.Describe())}");
        }

        Assert.Equal(["machine-0", "machine-2", "machine-4"], devices.Where(d => d.Alert != null).Select(d => d.DeviceId));
        Assert.All(devices.Where(d => d.Alert != null), d => Assert.True(d.Windows.First(w => w.Record.Sequence == d.Alert!.SinceSequence).Record.WindowStart >= faultAt - 600));
    }

    /// <summary>The share of class 1 (anomaly) in the windows' (noised) class counts.</summary>
    private static double AnomalyRate(IEnumerable<DriftWindowRecord> windows)
    {
        double anomalies = 0, all = 0;
        foreach (var w in windows)
        {
            uint[] counts = DriftPayload.Decode(w.Payload).ClassCounts;
            anomalies += counts[1];
            all += counts[0] + counts[1];
        }

        Assert.True(all > 0, "no windows");
        return anomalies / all;
    }
}
