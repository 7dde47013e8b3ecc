using TinyMLOps.Fleet.Federated;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Security;

namespace TinyMLOps.Host.Tests.Fleet.Federated;

public sealed class DifferentialPrivacyTests
{
    [Fact]
    public void An_outlier_moves_the_global_by_at_most_the_clipping_norm_over_n()
    {
        const int clients = 10;
        var updates = Enumerable.Range(0, clients - 1).Select(i => new ClientUpdate($"ok{i}", 100, [new float[4]])).ToList();
        updates.Add(new ClientUpdate("outlier", 1_000_000, [[1000, -1000, 1000, -1000]]));
        float[][] global = [new float[4]];

        // Negligible noise so only the clipping shows.
        var dp = new DifferentialPrivacy(new FedAvg(), clippingNorm: 1.0, noiseMultiplier: 1e-6);
        var result = dp.Aggregate(updates, global);

        var moved = AggregationMath.L2Norm(result.Global);
        Assert.InRange(moved, 0.099, 0.101);
        Assert.Equal(1, result.Report.ClientsClipped);
        Assert.Equal("DP(FedAvg)", result.Report.Strategy);
        // Without the wrapper the outlier, with its huge sample count, takes the global almost all the way.
        Assert.True(AggregationMath.L2Norm(new FedAvg().Aggregate(updates, global).Global) > 1000);
    }

    [Fact]
    public void Noise_has_standard_deviation_z_times_C_over_n()
    {
        const int clients = 10;
        const int size = 20_000;
        var updates = Enumerable.Range(0, clients).Select(i => new ClientUpdate($"c{i}", 1, [new float[size]])).ToList();
        var dp = new DifferentialPrivacy(new FedAvg(), clippingNorm: 2.0, noiseMultiplier: 1.5);

        var values = dp.Aggregate(updates, [new float[size]]).Global[0];

        var mean = values.Average(v => (double)v);
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (size - 1));
        Assert.Equal(0.3, dp.NoiseStd(clients), 12);
        Assert.InRange(std, 0.3 * 0.97, 0.3 * 1.03);
        Assert.InRange(mean, -0.01, 0.01);
    }

    [Fact]
    public void Reports_a_finite_epsilon_that_grows_with_rounds()
    {
        var dp = new DifferentialPrivacy(new FedAvg(), clippingNorm: 1.0, noiseMultiplier: 5.0);
        ClientUpdate[] updates = [new("a", 1, [[0.5f]]), new("b", 1, [[-0.5f]])];
        float[][] global = [[0]];
        var perRound = Math.Sqrt(2 * Math.Log(1.25 / 1e-5)) / 5.0;

        var epsilons = new List<double>();
        for (var round = 1; round <= 3; round++)
        {
            var report = dp.Aggregate(updates, global).Report;
            Assert.True(double.IsFinite(report.Epsilon!.Value));
            Assert.Equal(round * perRound, report.Epsilon.Value, 9);
            Assert.Equal(round * 1e-5, report.Delta!.Value, 12);
            epsilons.Add(report.Epsilon.Value);
        }

        Assert.True(epsilons[0] < epsilons[1] && epsilons[1] < epsilons[2]);
        Assert.True(perRound < 1, "z = 5 is inside the range where the classic bound holds");
    }

    [Fact]
    public void A_simulation_that_passes_its_own_seeded_source_repeats_exactly()
    {
        ClientUpdate[] updates = [new("a", 1, [[1, 2, 3]])];
        float[][] global = [[0, 0, 0]];

        var first = new DifferentialPrivacy(new FedMedian(), 1.0, 1.0, new Random(9)).Aggregate(updates, global).Global;
        var second = new DifferentialPrivacy(new FedMedian(), 1.0, 1.0, new Random(9)).Aggregate(updates, global).Global;

        Assert.Equal(first, second);
    }

    [Fact]
    public void Two_rounds_with_the_same_configuration_and_seed_draw_different_noise()
    {
        var config = new RoundConfig { VariantId = "v", Strategy = "fedavg", DpNoiseMultiplier = 1.0, DpClipNorm = 1.0, Seed = 1 };
        ClientUpdate[] updates = [new("a", 1, [new float[64]]), new("b", 1, [new float[64]])];
        float[][] global = [new float[64]];

        var first = StrategyFactory.Create(config).Aggregate(updates, global).Global[0];
        var second = StrategyFactory.Create(config).Aggregate(updates, global).Global[0];

        Assert.True(first.Any(v => v != 0), "the noise is there");
        Assert.Equal(0, first.Zip(second).Count(p => p.First == p.Second));
    }

    [Fact]
    public void A_participant_who_knows_the_round_seed_cannot_regenerate_the_noise()
    {
        // The invite carries the seed; a participant replays the noise it would give and subtracts it.
        var config = new RoundConfig { VariantId = "v", Strategy = "fedavg", DpNoiseMultiplier = 1.0, DpClipNorm = 1.0, Seed = 1 };
        ClientUpdate[] updates = [new("a", 1, [new float[256]]), new("b", 1, [new float[256]])];
        float[][] global = [new float[256]];
        var released = StrategyFactory.Create(config).Aggregate(updates, global).Global;

        float[][] guess = [new float[256]];
        AggregationMath.AddGaussianNoiseInPlace(guess, 1.0 * 1.0 / 2, new Random(config.Seed));
        var residual = released[0].Zip(guess[0], (r, g) => Math.Abs(r - g)).Max();

        // Subtracting the guessed noise does not recover the clean mean (all zeros): the residual stays noise-sized.
        Assert.True(residual > 0.5, $"largest residual {residual}");
    }

    [Fact]
    public void The_cryptographic_source_gives_uniform_doubles_in_the_unit_interval()
    {
        var values = Enumerable.Range(0, 20_000).Select(_ => CryptoRandom.Instance.NextDouble()).ToArray();

        Assert.All(values, v => Assert.InRange(v, 0.0, 0.9999999999999999));
        Assert.InRange(values.Average(), 0.49, 0.51);
        Assert.InRange(values.Count(v => v < 0.1), 1_800, 2_200);
        Assert.InRange(CryptoRandom.Instance.Next(10), 0, 9);
    }
}
