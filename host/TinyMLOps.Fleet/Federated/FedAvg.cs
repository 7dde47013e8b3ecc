namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// FedAvg (McMahan et al. 2017): the new global is global + Σ nᵢ·Δᵢ / Σ nᵢ, each client's delta weighted by its
/// sample count so that a device with more local data counts for more.
/// </summary>
public sealed class FedAvg : IAggregationStrategy
{
    public string Name => "FedAvg";

    public AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global)
    {
        var mean = WeightedDelta(updates, global, out var used, out var dropped);
        return new AggregationResult(AggregationMath.AddScaled(global, mean, 1.0), new AggregationReport(Name, used, dropped));
    }

    /// <summary>The sample-weighted mean delta of the usable updates (shared with FedAvgM and FedProx).</summary>
    internal static float[][] WeightedDelta(IReadOnlyList<ClientUpdate> updates, float[][] global, out int used, out int dropped)
    {
        var usable = ClientUpdate.Usable(updates, global, out dropped);
        used = usable.Count;
        return AggregationMath.WeightedMean(usable.Select(u => u.Delta).ToList(), usable.Select(u => (double)u.SampleCount).ToList());
    }
}
