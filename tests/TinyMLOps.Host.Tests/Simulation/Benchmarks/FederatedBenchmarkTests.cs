using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

public sealed class FederatedBenchmarkTests
{
    /// <summary>20 devices, 5 a round, 15 rounds, 5,000 device images, 2,000 test images, α = 0.5.</summary>
    private static readonly Lazy<FederatedBenchmarkReport> Quick = new(() =>
        FederatedBenchmark.Run(TestData.FashionTrainFull, TestData.Fashion.Test, FederatedBenchmarkOptions.Quick));

    [Fact]
    public void The_federated_head_learns_far_above_chance_from_a_random_start()
    {
        var r = Quick.Value;
        var ours = r.Comparisons.Single().Ours;

        Assert.InRange(r.InitialAccuracy, 0, 0.3);
        Assert.True(ours.FinalAccuracy(r.Window) > 0.65, $"ours {ours.FinalAccuracy(r.Window):P1}");
        Assert.True(ours.Rounds[^1].Accuracy > ours.Rounds[0].Accuracy + 0.1, "accuracy rises over the rounds");
        Assert.True(r.Centralized.Final > 0.75, $"centralized {r.Centralized.Final:P1}");
        // The extractor's features are the ones the int8 model computes: its own head scores as the whole network does.
        Assert.InRange(r.BaseHeadAccuracy - r.BaseAccuracy, -0.01, 0.01);
        // Re-quantized into the int8 model, the learnt head keeps its accuracy.
        var q = Assert.Single(r.Int8);
        Assert.Equal(ours.Rounds[^1].Accuracy, q.FloatAccuracy, 6);
        Assert.InRange(q.Int8Accuracy - q.FloatAccuracy, -0.015, 0.015);
    }

    [Fact]
    public void Our_updates_are_at_least_ten_times_smaller_than_Flower_float32_every_round()
    {
        var c = Quick.Value.Comparisons.Single();

        Assert.True(c.PerRoundRatio >= 10, $"ratio {c.PerRoundRatio:F1}");
        Assert.All(c.Ours.Rounds.Zip(c.Baseline.Rounds), p => Assert.True(p.Second.UplinkBytes >= 10 * p.First.UplinkBytes, $"round {p.First.Round}"));
        // Flower: 128 header bytes and 4 bytes a parameter per array, four arrays for a two-layer head.
        Assert.Equal((4 * 128) + (4L * Quick.Value.HeadParameters), c.Baseline.MaxUpdateBytes);
    }

    [Fact]
    public void Poisoners_hurt_FedAvg_more_than_the_robust_strategies()
    {
        var lines = Quick.Value.Poisoning.ToDictionary(p => p.Strategy);
        var fedAvg = lines[FederatedRunSpec.FedAvg];
        var trimmed = lines[FederatedRunSpec.TrimmedMean];
        var median = lines[FederatedRunSpec.FedMedian];

        Assert.True(fedAvg.Poisoned.Rounds.Sum(x => x.Poisoners) > 0, "some rounds sampled a poisoner");
        Assert.True(fedAvg.LossPoints > trimmed.LossPoints + 1, $"FedAvg −{fedAvg.LossPoints:F2} pt, trimmed mean −{trimmed.LossPoints:F2} pt");
        Assert.True(fedAvg.LossPoints > median.LossPoints + 1, $"FedAvg −{fedAvg.LossPoints:F2} pt, median −{median.LossPoints:F2} pt");
    }

    [Fact]
    public void The_run_is_reproducible_from_its_seed()
    {
        var o = FederatedBenchmarkOptions.Quick with { Rounds = 3, FinalWindow = 3, PoisonFraction = 0, CentralizedEpochs = 1, BaseEpochs = 2 };

        var a = FederatedBenchmark.Run(TestData.FashionTrainFull, TestData.Fashion.Test, o);
        var b = FederatedBenchmark.Run(TestData.FashionTrainFull, TestData.Fashion.Test, o);

        Assert.Equal(a.Runs.Select(r => r.Rounds), b.Runs.Select(r => r.Rounds));
    }

    [Fact]
    public void The_ram_table_counts_the_trainer_the_delta_the_residual_and_the_encoded_update()
    {
        var r = Quick.Value;
        var line = r.Ram.First(l => l.HeadLayers == 2);

        Assert.Equal(4L * r.HeadParameters, line.ResidualBytes);
        Assert.Equal(line.TrainerBytes + line.DeltaBytes + line.ResidualBytes + line.EncodedBytes, line.TrainingBytes);
        Assert.Contains(r.Ram, l => l.HeadLayers == 1 && l.Parameters < r.HeadParameters);
        Assert.Equal(line.Fits, line.TrainingBytes <= line.BudgetBytes);
    }
}
