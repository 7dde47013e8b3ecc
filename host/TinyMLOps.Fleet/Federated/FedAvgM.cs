namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// FedAvg with server momentum (Hsu et al. 2019): the sample-weighted mean delta is treated as a pseudo-gradient,
/// v ← β·v + Δ̄ and global ← global + η·v. The velocity persists across rounds, which damps the round-to-round swings
/// that non-IID clients cause. With β = 0 and η = 1 it is exactly FedAvg.
/// </summary>
public sealed class FedAvgM : IAggregationStrategy
{
    private float[][]? _velocity;
    private int _rounds;

    /// <param name="momentum">Server momentum β in [0, 1).</param>
    /// <param name="serverLearningRate">Server learning rate η &gt; 0.</param>
    public FedAvgM(double momentum = 0.9, double serverLearningRate = 1.0)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }

        if (!(serverLearningRate > 0) || double.IsInfinity(serverLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(serverLearningRate), serverLearningRate, "The server learning rate must be positive.");
        }

        Momentum = momentum;
        ServerLearningRate = serverLearningRate;
    }

    public string Name => "FedAvgM";

    public double Momentum { get; }

    public double ServerLearningRate { get; }

    /// <summary>A copy of the current velocity, or null before the first round.</summary>
    public float[][]? Velocity => _velocity?.Select(t => (float[])t.Clone()).ToArray();

    public AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global)
    {
        var mean = FedAvg.WeightedDelta(updates, global, out var used, out var dropped);
        // A model with a new shape (new variant) cannot reuse the old velocity, so start it again.
        _velocity = _velocity is null || !SameShape(_velocity, mean)
            ? mean
            : AggregationMath.AddScaled(mean, _velocity, Momentum);
        _rounds++;
        return new AggregationResult(
            AggregationMath.AddScaled(global, _velocity, ServerLearningRate),
            new AggregationReport(Name, used, dropped, Round: _rounds));
    }

    /// <summary>Forgets the velocity, for example after a release was rejected and the global rolled back.</summary>
    public void Reset()
    {
        _velocity = null;
        _rounds = 0;
    }

    private static bool SameShape(float[][] a, float[][] b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First.Length == p.Second.Length);
}
