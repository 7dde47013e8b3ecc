using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.Metering;

/// <summary>
/// Cuts the power at every mutation of the counter log during a run of inferences (appends, checkpoints,
/// compactions) and, for writes, after several byte counts; then restarts and checks the counter against the
/// inferences that actually ran: never below, at most one block above per model, and still counting upwards.
/// </summary>
public class InferenceCounterPowerCutTests
{
    private const int Block = 8;
    private static readonly string[] Models = ["a", "b", "c"];

    private static MeterOptions Options() => new() { BlockSize = Block, CounterLogCompactBytes = 300 };

    /// <summary>Runs the script from step on; ran counts the inferences that ran (their reservation held).</summary>
    private static void Script(InferenceCounter counter, Dictionary<string, ulong> ran, ref int step)
    {
        for (; step < 240; step++)
        {
            string model = Models[step % 5 == 0 ? 2 : step % 2];
            string variant = "v" + (step / 37);
            bool grace = step > 150 && model == "a";
            counter.Reserve(model, variant, 3, grace, (uint)step);

            // The reservation is durable: the inference runs, and counts even if the count itself is cut.
            ran[model] = ran.GetValueOrDefault(model) + 1;
            counter.Count(model, variant, 3, grace, (uint)step);
            if (step % 40 == 39)
            {
                foreach (string m in Models)
                {
                    counter.MarkReceipted(m, counter.Next(m) - 1);
                }
            }

            if (step % 61 == 60)
            {
                counter.Checkpoint((uint)step);
            }
        }
    }

    private static IEnumerable<int> Keeps(int bytes) =>
        bytes <= 1 ? [0, bytes] : new[] { 0, 1, bytes / 2, bytes - 1, bytes }.Distinct();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_power_cut_at_every_write_and_byte_never_under_counts_and_over_counts_at_most_one_block_per_model(bool renameDeletesTargetFirst)
    {
        var baseline = new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst };
        int done = 0;
        var baselineCounter = new InferenceCounter(baseline, MeterOptions.DefaultCounterFile, 1, Options());
        Script(baselineCounter, [], ref done);
        Assert.True(baselineCounter.Compactions >= 3, baselineCounter.Compactions + " compactions");
        Assert.Contains(baseline.Journal, op => op.Operation == "rename");

        int cases = 0;
        int overCounted = 0;
        for (int cut = 0; cut < baseline.Journal.Count; cut++)
        {
            foreach (int keep in Keeps(baseline.Journal[cut].Bytes))
            {
                var storage = new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst };
                storage.CutPowerAt(cut, keep);
                var ran = new Dictionary<string, ulong>();
                int step = 0;
                var counter = new InferenceCounter(storage, MeterOptions.DefaultCounterFile, 1, Options());
                Assert.Throws<PowerLossException>(() => Script(counter, ran, ref step));
                cases++;

                var reopened = new InferenceCounter(storage, MeterOptions.DefaultCounterFile, 2, Options());
                foreach (string model in Models)
                {
                    ulong next = reopened.Next(model);
                    ulong truth = ran.GetValueOrDefault(model);
                    Assert.True(next >= truth, $"cut {cut}+{keep}: {model} at {next}, but {truth} ran");
                    Assert.True(next - truth <= Block, $"cut {cut}+{keep}: {model} at {next}, {truth} ran, more than a block over");
                    overCounted += (int)(next - truth);
                }

                // Counting goes on from there, and a clean restart keeps it.
                ulong before = reopened.Next("a");
                reopened.Reserve("a", "v9", 0, false, 999);
                Assert.Equal(before, reopened.Count("a", "v9", 0, false, 999));
                reopened.Checkpoint(1000);
                Assert.Equal(before + 1, new InferenceCounter(storage, MeterOptions.DefaultCounterFile, 3, Options()).Next("a"));
            }
        }

        Assert.True(cases > 200, cases + " cases");
        Assert.True(overCounted > 0, "some cuts should land inside a reserved block");
    }
}
