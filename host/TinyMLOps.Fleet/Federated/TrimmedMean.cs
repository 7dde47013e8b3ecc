namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, cut the ⌊β·n⌋ largest and ⌊β·n⌋ smallest values and
/// average the rest, unweighted. Tolerates up to a fraction β of poisoned clients per side while keeping more of the
/// honest signal than the median. The report counts the values cut per coordinate (2·⌊β·n⌋).
/// </summary>
public sealed class TrimmedMean : IAggregationStrategy
{
    /// <param name="beta">Fraction cut per side, in [0, 0.5). Pick it at least the expected poisoned fraction.</param>
    public TrimmedMean(double beta = 0.2)
    {
        // Validates β early rather than at the first round.
        _ = AggregationMath.TrimCount(1, beta);
        Beta = beta;
    }

    public string Name => "TrimmedMean";

    public double Beta { get; }

    public AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global)
    {
        var usable = ClientUpdate.Usable(updates, global, out var dropped);
        var trimmed = AggregationMath.CoordinateTrimmedMean(usable.Select(u => u.Delta).ToList(), Beta);
        var cut = 2 * AggregationMath.TrimCount(usable.Count, Beta);
        return new AggregationResult(
            AggregationMath.AddScaled(global, trimmed, 1.0),
            new AggregationReport(Name, usable.Count - cut, dropped, ClientsTrimmed: cut));
    }
}
