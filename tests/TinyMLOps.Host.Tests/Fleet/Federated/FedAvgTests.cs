using TinyMLOps.Fleet.Federated;

namespace TinyMLOps.Host.Tests.Fleet.Federated;

public sealed class FedAvgTests
{
    [Fact]
    public void New_global_is_the_old_plus_the_sample_weighted_mean_delta()
    {
        float[][] global = [[1, 2], [3]];
        ClientUpdate[] updates =
        [
            new("a", 1, [[1, 0], [2]]),
            new("b", 3, [[5, 4], [-2]]),
        ];

        var result = new FedAvg().Aggregate(updates, global);

        // Weighted mean: [(1·1 + 3·5)/4, (1·0 + 3·4)/4], [(1·2 − 3·2)/4] = [4, 3], [−1].
        Assert.Equal([5f, 5f], result.Global[0]);
        Assert.Equal([2f], result.Global[1]);
        Assert.Equal(new AggregationReport("FedAvg", 2, 0), result.Report);
        Assert.Equal([1f, 2f], global[0]);
    }

    [Fact]
    public void Drops_updates_with_wrong_shape_no_samples_or_non_finite_values()
    {
        float[][] global = [[0, 0]];
        ClientUpdate[] updates =
        [
            new("good", 2, [[2, 4]]),
            new("short", 5, [[9]]),
            new("empty", 0, [[9, 9]]),
            new("nan", 5, [[float.NaN, 9]]),
        ];

        var result = new FedAvg().Aggregate(updates, global);

        Assert.Equal([2f, 4f], result.Global[0]);
        Assert.Equal(1, result.Report.ClientsUsed);
        Assert.Equal(3, result.Report.ClientsDropped);
    }

    [Fact]
    public void Refuses_a_round_with_no_usable_update()
    {
        Assert.Throws<ArgumentException>(() => new FedAvg().Aggregate([new ClientUpdate("x", 0, [[1]])], [[0]]));
    }

    [Fact]
    public void FedProx_aggregates_like_FedAvg_and_carries_mu_for_the_devices()
    {
        float[][] global = [[1, 2], [3]];
        ClientUpdate[] updates = [new("a", 1, [[1, 0], [2]]), new("b", 3, [[5, 4], [-2]])];

        var prox = new FedProx(proximalMu: 0.1);
        var result = prox.Aggregate(updates, global);

        Assert.Equal(new FedAvg().Aggregate(updates, global).Global, result.Global);
        Assert.Equal(0.1, prox.ProximalMu);
        Assert.Equal("FedProx", result.Report.Strategy);
    }
}
