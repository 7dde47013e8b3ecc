using TinyMLOps.Fleet.Federated;

namespace TinyMLOps.Host.Tests.Fleet.Federated;

public sealed class RobustAggregationTests
{
    [Fact]
    public void Median_takes_the_middle_value_per_coordinate()
    {
        float[][] global = [[0, 10]];
        ClientUpdate[] odd = [new("a", 1, [[1, 5]]), new("b", 100, [[7, -1]]), new("c", 1, [[3, 2]])];
        ClientUpdate[] even = [.. odd, new("d", 1, [[100, 0]])];

        Assert.Equal([3f, 12f], new FedMedian().Aggregate(odd, global).Global[0]);
        // Even count: mean of the middle two, (3 + 7)/2 and (0 + 2)/2.
        Assert.Equal([5f, 11f], new FedMedian().Aggregate(even, global).Global[0]);
    }

    [Fact]
    public void Trimmed_mean_cuts_beta_per_side_and_averages_the_rest()
    {
        float[][] global = [[0]];
        ClientUpdate[] updates = [new("a", 1, [[1]]), new("b", 1, [[2]]), new("c", 1, [[3]]), new("d", 1, [[4]]), new("e", 1, [[100]])];

        var result = new TrimmedMean(beta: 0.2).Aggregate(updates, global);

        // ⌊0.2·5⌋ = 1 cut per side: mean of 2, 3, 4.
        Assert.Equal(3f, result.Global[0][0]);
        Assert.Equal(2, result.Report.ClientsTrimmed);
        Assert.Equal(3, result.Report.ClientsUsed);
    }

    [Fact]
    public void Trimmed_mean_with_no_trim_is_the_unweighted_mean()
    {
        float[][][] sets = [[[1, 2]], [[3, 6]]];

        Assert.Equal([2f, 4f], AggregationMath.CoordinateTrimmedMean(sets, 0)[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMean(0.5));
    }

    [Fact]
    public void With_ten_percent_sign_flipped_clients_robust_strategies_stay_near_the_honest_mean_and_FedAvg_does_not()
    {
        const int clients = 20;
        const int size = 64;
        var random = new Random(7);
        var direction = Enumerable.Range(0, size).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        var updates = new List<ClientUpdate>();
        var honest = new List<float[][]>();
        for (var c = 0; c < clients; c++)
        {
            var delta = direction.Select(d => (float)(d + (0.1 * (random.NextDouble() - 0.5)))).ToArray();
            var samples = 50 + random.Next(100);
            if (c % 10 == 3)
            {
                // Poisoned: the client's own update, sign-flipped and scaled ×10.
                updates.Add(new ClientUpdate($"bad{c}", samples, [delta.Select(v => -10 * v).ToArray()]));
            }
            else
            {
                updates.Add(new ClientUpdate($"ok{c}", samples, [delta]));
                honest.Add([delta]);
            }
        }

        float[][] global = [new float[size]];
        var honestMean = AggregationMath.Mean(honest);
        var scale = AggregationMath.L2Norm(honestMean);
        double Distance(IAggregationStrategy s) => AggregationMath.L2Norm(AggregationMath.AddScaled(s.Aggregate(updates, global).Global, honestMean, -1)) / scale;

        var median = Distance(new FedMedian());
        var trimmed = Distance(new TrimmedMean(beta: 0.1));
        var fedAvg = Distance(new FedAvg());

        Assert.True(median < 0.05, $"median off by {median:P1} of the honest mean");
        Assert.True(trimmed < 0.05, $"trimmed mean off by {trimmed:P1} of the honest mean");
        // 0.9·μ − 0.1·10·μ ≈ −0.1·μ: FedAvg even points the wrong way.
        Assert.True(fedAvg > 1.0, $"FedAvg off by only {fedAvg:P1} of the honest mean");
    }
}
