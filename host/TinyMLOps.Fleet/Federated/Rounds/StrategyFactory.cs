namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>Builds a round's aggregation strategy from its configuration.</summary>
public static class StrategyFactory
{
    public static IReadOnlyList<string> Names { get; } = ["fedavg", "fedavgm", "fedprox", "median", "trimmed"];

    /// <remarks>
    /// The differential-privacy noise never depends on <see cref="RoundConfig.Seed"/>: the seed is sent to every
    /// participant, so noise drawn from it could be regenerated and removed.
    /// </remarks>
    public static IAggregationStrategy Create(RoundConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        IAggregationStrategy inner = config.Strategy.ToLowerInvariant() switch
        {
            "fedavg" => new FedAvg(),
            "fedavgm" => new FedAvgM(),
            "fedprox" => new FedProx(config.ProximalMu > 0 ? config.ProximalMu : 0.01),
            "median" or "fedmedian" => new FedMedian(),
            "trimmed" or "trimmedmean" => new TrimmedMean(config.TrimFraction),
            _ => throw new ArgumentException($"unknown strategy '{config.Strategy}' (one of {string.Join(", ", Names)})"),
        };
        return config.DpNoiseMultiplier > 0
            ? new DifferentialPrivacy(inner, config.DpClipNorm, config.DpNoiseMultiplier)
            : inner;
    }
}
