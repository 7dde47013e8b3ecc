namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// FedMedian (Yin et al. 2018): the coordinate-wise median of the deltas, unweighted. Robust to a minority of poisoned
/// updates, since any coordinate moves only if more than half the clients push it; the price is ignoring sample
/// counts and a noisier estimate than the mean on honest data.
/// </summary>
public sealed class FedMedian : IAggregationStrategy
{
    public string Name => "FedMedian";

    public AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global)
    {
        var usable = ClientUpdate.Usable(updates, global, out var dropped);
        var median = AggregationMath.CoordinateMedian(usable.Select(u => u.Delta).ToList());
        return new AggregationResult(AggregationMath.AddScaled(global, median, 1.0), new AggregationReport(Name, usable.Count, dropped));
    }
}
