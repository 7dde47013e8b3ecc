using TinyMLOps.Fleet.Federated;

namespace TinyMLOps.Host.Tests.Fleet.Federated;

public sealed class FedAvgMTests
{
    [Fact]
    public void Velocity_accumulates_across_rounds()
    {
        var strategy = new FedAvgM(momentum: 0.5, serverLearningRate: 1.0);
        float[][] global = [[0]];
        ClientUpdate[] updates = [new("a", 1, [[1]]), new("b", 1, [[3]])];

        // Mean delta 2 every round: v = 2, 3, 3.5; global = 2, 5, 8.5.
        var expectedVelocity = new[] { 2f, 3f, 3.5f };
        var expectedGlobal = new[] { 2f, 5f, 8.5f };
        for (var round = 0; round < 3; round++)
        {
            var result = strategy.Aggregate(updates, global);
            Assert.Equal(expectedVelocity[round], strategy.Velocity![0][0], 5);
            Assert.Equal(expectedGlobal[round], result.Global[0][0], 5);
            Assert.Equal(round + 1, result.Report.Round);
            global = result.Global;
        }
    }

    [Fact]
    public void Server_learning_rate_scales_the_step_and_zero_momentum_is_FedAvg()
    {
        float[][] global = [[1, 1]];
        ClientUpdate[] updates = [new("a", 1, [[2, 0]]), new("b", 3, [[2, 4]])];

        var half = new FedAvgM(momentum: 0, serverLearningRate: 0.5).Aggregate(updates, global);
        var plain = new FedAvgM(momentum: 0, serverLearningRate: 1).Aggregate(updates, global);

        Assert.Equal([2f, 2.5f], half.Global[0]);
        Assert.Equal(new FedAvg().Aggregate(updates, global).Global, plain.Global);
    }

    [Fact]
    public void Reset_forgets_the_velocity()
    {
        var strategy = new FedAvgM(momentum: 0.9);
        strategy.Aggregate([new ClientUpdate("a", 1, [[1]])], [[0]]);
        strategy.Reset();

        var result = strategy.Aggregate([new ClientUpdate("a", 1, [[1]])], [[0]]);

        Assert.Equal(1f, result.Global[0][0]);
        Assert.Equal(1, result.Report.Round);
    }
}
