using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Host.Tests.Simulation.Benchmarks;

public sealed class DirichletSplitTests
{
    /// <summary>6,000 labels, 600 per class, in a shuffled order.</summary>
    private static readonly byte[] Labels = MakeLabels();

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(100.0)]
    public void Every_sample_goes_to_exactly_one_client(double alpha)
    {
        int[][] parts = DirichletSplit.Partition(Labels, 10, 50, alpha, seed: 3);

        Assert.Equal(50, parts.Length);
        int[] all = [.. parts.SelectMany(p => p).Order()];
        Assert.Equal(Enumerable.Range(0, Labels.Length), all);
        Assert.All(parts, p => Assert.True(p.SequenceEqual(p.Order()), "indexes ascend"));
    }

    [Fact]
    public void The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        int[][] a = DirichletSplit.Partition(Labels, 10, 20, 0.5, seed: 11);
        int[][] b = DirichletSplit.Partition(Labels, 10, 20, 0.5, seed: 11);
        int[][] c = DirichletSplit.Partition(Labels, 10, 20, 0.5, seed: 12);

        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(p => p.Length), c.Select(p => p.Length));
    }

    [Fact]
    public void Smaller_alpha_gives_each_client_fewer_dominant_classes()
    {
        double Skew(double alpha) => DirichletSplit.MaxClassShares(DirichletSplit.Partition(Labels, 10, 100, alpha, seed: 5, minPerClient: 1), Labels, 10).Average();

        double skewed = Skew(0.1);
        double mixed = Skew(0.5);
        double iid = Skew(100);

        Assert.True(skewed > mixed + 0.1, $"α=0.1 share {skewed:F3}, α=0.5 share {mixed:F3}");
        Assert.True(mixed > iid + 0.1, $"α=0.5 share {mixed:F3}, α=100 share {iid:F3}");
        Assert.InRange(iid, 0.1, 0.3); // near-uniform: about a tenth per class, plus sampling noise on 60 samples
    }

    [Fact]
    public void A_minimum_per_client_is_met_by_redrawing()
    {
        int[][] parts = DirichletSplit.Partition(Labels, 10, 20, 0.1, seed: 9, minPerClient: 20);
        int[][] free = DirichletSplit.Partition(Labels, 10, 20, 0.1, seed: 9, minPerClient: 0);

        Assert.Contains(free, p => p.Length < 20); // the first draw breaks the minimum, so the split above was redrawn
        Assert.All(parts, p => Assert.True(p.Length >= 20, $"{p.Length} samples"));
        Assert.Equal(Labels.Length, parts.Sum(p => p.Length));
    }

    [Fact]
    public void Gamma_draws_have_the_shape_as_mean_and_variance()
    {
        var random = new Random(1);
        foreach (double shape in new[] { 0.1, 0.5, 1.0, 3.0 })
        {
            double[] x = [.. Enumerable.Range(0, 40_000).Select(_ => DirichletSplit.Gamma(random, shape))];
            double mean = x.Average();
            double variance = x.Select(v => (v - mean) * (v - mean)).Average();

            Assert.True(x.All(v => v >= 0), "non-negative");
            Assert.InRange(mean, shape * 0.95, shape * 1.05);
            Assert.InRange(variance, shape * 0.85, shape * 1.15);
        }
    }

    [Fact]
    public void Refuses_a_non_positive_alpha_and_labels_outside_the_classes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DirichletSplit.Partition(Labels, 10, 5, 0, seed: 1));
        Assert.Throws<ArgumentException>(() => DirichletSplit.Partition([0, 1, 12], 10, 2, 1, seed: 1));
        Assert.Throws<ArgumentException>(() => DirichletSplit.Partition([0, 1, 2], 10, 2, 1, seed: 1, minPerClient: 2));
    }

    private static byte[] MakeLabels()
    {
        byte[] labels = [.. Enumerable.Range(0, 6000).Select(i => (byte)(i % 10))];
        new Random(7).Shuffle(labels);
        return labels;
    }
}
