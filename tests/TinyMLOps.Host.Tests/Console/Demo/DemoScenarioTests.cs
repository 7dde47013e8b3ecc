using TinyMLOps.Console.Commands.Demo;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Simulation.Tasks;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Console.Demo;

/// <summary>
/// The demo's loop over a task that is not the default one, as a generated task (keywords, vibration) goes through it:
/// a tiny task of dark and bright 8x8 images whose drift brightens the picture.
/// </summary>
public sealed class DemoScenarioTests : ConsoleTest
{
    [Fact]
    public async Task Any_scenario_gets_its_small_data_its_smallest_variant_its_sensors_and_its_drift_raised()
    {
        var scenario = new PatchesScenario();
        string db = Path.Combine(Dir.FullName, "demo.db");

        Assert.Equal(0, await DemoCommand.RunAsync(Console, scenario, deviceCount: 3, days: 0.5, db, dataDirectory: null, CancellationToken.None, attackerCount: 0));

        string output = System.Text.RegularExpressions.Regex.Replace(Out.ToString(), @"\s+", " ");
        Assert.True(scenario.Task.LoadedSmall, "the demo loads the small version of generated data");
        Assert.Equal(3, scenario.SensorsMade);
        Assert.Contains("model: patches w-small, int8", output);
        Assert.Contains("from day 0.25 on, 1 board(s) (demo-0000): the light gets brighter", output);
        Assert.Matches(@"drift: [1-9][\d,]* drift windows from 3 boards; \d+ board\(s\) raised an alert, 1 of the 1 shifted ones", output);
        Assert.Contains("demo-0000 (w-small)", output);
        Assert.Contains("outboxes drained", output);
    }

    /// <summary>Two classes of 8x8 grey patches: dark and bright, with noise.</summary>
    private sealed class PatchesTask : TaskDefinition
    {
        public bool LoadedSmall { get; private set; }

        public override string Id => "patches";

        public override string Title => "dark and bright patches (8x8 grey, 2 classes)";

        public override IReadOnlyList<VariantSpec> Family { get; } = [new("w-large", "mlp", 1), new("w-small", "mlp", 0.25)];

        public override int DefaultEpochs => 2;

        public override TaskSplits Load(TaskLoadOptions options, IProgress<string>? progress = null)
        {
            LoadedSmall = options.Small;
            return new TaskSplits(Patches("train", 2000, 1), Patches("calibration", 200, 2), Patches("held-out", 600, 3), "generated here");
        }

        private static ImageDataset Patches(string name, int count, int seed)
        {
            var random = new Random(seed);
            var pixels = new byte[count * 64];
            var labels = new byte[count];
            for (int i = 0; i < count; i++)
            {
                labels[i] = (byte)(i % 2);
                for (int p = 0; p < 64; p++)
                {
                    pixels[(i * 64) + p] = (byte)((labels[i] == 0 ? 40 : 150) + random.Next(60));
                }
            }

            return new ImageDataset(name, 8, 8, 1, pixels, labels, ["dark", "bright"]);
        }
    }

    private sealed class PatchesScenario : FleetScenario
    {
        public override PatchesTask Task { get; } = new();

        public override string DriftStory => "the light gets brighter";

        public int SensorsMade { get; private set; }

        public override TinyMLOps.Firmware.Core.Platform.ISensor CreateSensor(TaskSplits splits, int board, int boards, SimClock clock, int seed)
        {
            SensorsMade++;
            return base.CreateSensor(splits, board, boards, clock, seed);
        }

        public override SensorShift? DriftShift(TimeSpan at) => new() { At = at, Brightness = 80 };
    }
}
