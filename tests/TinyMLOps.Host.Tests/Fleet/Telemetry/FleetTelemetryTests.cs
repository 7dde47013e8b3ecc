using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Telemetry;
using TinyMLOps.Host.Tests.Console;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Host.Tests.Modelling.Variants;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Telemetry;

/// <summary>
/// Virtual boards over the embedded broker run a real model; their heartbeats' telemetry reaches the store, and the
/// console sets it against the cost model of each board.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class FleetTelemetryTests : ConsoleTest
{
    [Fact]
    public async Task Boards_report_per_variant_telemetry_that_matches_what_they_ran_and_the_console_compares_it_with_the_cost_model()
    {
        var (_, file) = VariantTestModels.Make(new VariantSpec("cnn-w0.25", "cnn", 0.25), 0.88);
        string modelPath = Path.Combine(Dir.FullName, "cnn-w0.25.tmlm");
        await File.WriteAllBytesAsync(modelPath, file);

        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, _) = await h.StartSqliteHostAsync(port, embedded: true);
        string[] boards = ["esp32-devkitc", "esp32-devkitc", "stm32f769i-disco"];
        var sensors = new List<SwitchableSensor>();
        for (int i = 0; i < boards.Length; i++)
        {
            var sensor = new SwitchableSensor(new NoiseSensor(i));
            sensors.Add(sensor);
            h.AddBoard(new VirtualBoardOptions { DeviceId = $"tele-{i}", Fleet = "test", Board = boards[i], HeartbeatIntervalSeconds = 600, InferencesPerMinute = 4, Seed = 40 + i }, port, sensor: sensor, model: file);
        }

        h.Run(TimeSpan.FromHours(2), TimeSpan.FromMinutes(1), pauseMillis: 2);

        // Inference stops; the next heartbeat carries the final totals.
        sensors.ForEach(s => s.On = false);
        h.Run(TimeSpan.FromMinutes(12), TimeSpan.FromMinutes(1), pauseMillis: 2);
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));

        IReadOnlyList<VariantTelemetryRecord> telemetry = [];
        for (int i = 0; i < 100; i++)
        {
            telemetry = await store.VariantTelemetryAsync(new VariantTelemetryQuery { Fleet = "test" });
            if (telemetry.Count == boards.Length && telemetry.All(t => t.Inferences == h.Boards.Single(b => b.DeviceId == t.DeviceId).Inferences))
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(boards.Length, telemetry.Count);
        foreach (var board in h.Boards)
        {
            var t = telemetry.Single(r => r.DeviceId == board.DeviceId);
            Assert.Equal("cnn-w0.25", t.VariantId);
            Assert.True(board.Inferences > 400, $"{board.Inferences} inferences");
            Assert.Equal(board.Inferences, t.Inferences);
            Assert.Equal(t.Inferences, t.LatencyHistogram.Sum());
            Assert.Equal(board.Options.Board, t.Board);

            // The simulated latency is the board's cost model within its jitter; memory is the classifier's plan.
            var cost = CostModel.Estimate(BoardCatalog.Default.Get(board.Options.Board), ModelSummary.Of(file));
            double meanMs = t.LatencySumMicros / (double)t.Inferences / 1000.0;
            Assert.InRange(meanMs / cost.LatencyMs, 0.97, 1.05);
            Assert.Equal(ModelSummary.Of(file).ArenaBytes, t.ArenaBytes);
            Assert.Equal(ModelSummary.Of(file).WorkingBytes, t.WorkingBytes);
            Assert.True(t.MinFreeHeapBytes > 0);
            Assert.Equal(VariantTelemetry.NotMetered, t.EnergyMicrojoules);
        }

        var rows = TelemetryReport.Build(telemetry, BoardCatalog.Default, id => id == "cnn-w0.25" ? ModelSummary.Of(file) : null);
        Assert.Equal([("esp32-devkitc", 2), ("stm32f769i-disco", 1)], rows.Select(r => (r.BoardId, r.Devices)));
        Assert.All(rows, r => Assert.InRange(r.LatencyRatio!.Value, 0.97, 1.05));
        Assert.All(rows, r => Assert.True(r.EnergyEstimated));
        Assert.All(rows, r => Assert.Equal(r.LatencyRatio!.Value, r.EnergyRatio!.Value, 6));
        Assert.True(rows[0].P95LatencyMs >= rows[0].P50LatencyMs);

        // The console view, through the real command tree.
        string db = Path.Combine(h.Directory_, "fleet.db");
        Assert.Equal(0, Run("fleet", "telemetry", "--db", db, "--model", modelPath, "--registry", Path.Combine(Dir.FullName, "no-registry")));
        string output = Out.ToString();
        Assert.Contains("esp32-devkitc", output);
        Assert.Contains("stm32f769i-disco", output);
        Assert.Contains((h.Boards[0].Inferences + h.Boards[1].Inferences).ToString("N0"), output);
        Assert.Contains("mJ (est.)", output);
        Assert.Matches(@"█+[│·]*\s+1\.0\d×", output);
        Assert.Contains("2 board/variant pairs from 3 devices", output);
        Assert.False(Directory.Exists(Path.Combine(Dir.FullName, "no-registry")));

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "telemetry", "--db", db, "--board", "stm32f769i-disco", "--model", modelPath));
        Assert.DoesNotContain("esp32-devkitc", Out.ToString());
        Assert.Contains(h.Boards[2].Inferences.ToString("N0"), Out.ToString());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("device", "show", "tele-2", "--db", db));
        Assert.Contains("telemetry since boot", Out.ToString());
        Assert.Contains("not metered", Out.ToString());
    }

    /// <summary>A sensor the test can switch off: the board then runs no more inferences.</summary>
    private sealed class SwitchableSensor(ISensor inner) : ISensor
    {
        public bool On { get; set; } = true;

        public bool Read(byte[] sample) => On && inner.Read(sample);
    }
}
