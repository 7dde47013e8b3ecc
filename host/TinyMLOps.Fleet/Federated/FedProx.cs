namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// FedProx (Li et al. 2020). The algorithm lives on the device: local training minimises loss + (μ/2)·‖w − w_global‖²,
/// which keeps non-IID clients from drifting far from the global model. The host only carries μ into the round
/// configuration sent to devices (<see cref="ProximalMu"/>); its server-side aggregation is plain sample-weighted
/// FedAvg.
/// </summary>
public sealed class FedProx : IAggregationStrategy
{
    /// <param name="proximalMu">The proximal coefficient μ ≥ 0 the devices apply; 0 makes local training plain SGD.</param>
    public FedProx(double proximalMu = 0.01)
    {
        if (!(proximalMu >= 0) || double.IsInfinity(proximalMu))
        {
            throw new ArgumentOutOfRangeException(nameof(proximalMu), proximalMu, "μ must be finite and non-negative.");
        }

        ProximalMu = proximalMu;
    }

    public string Name => "FedProx";

    /// <summary>μ for the round config; the proximal term is computed by the device, never here.</summary>
    public double ProximalMu { get; }

    public AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global)
    {
        var mean = FedAvg.WeightedDelta(updates, global, out var used, out var dropped);
        return new AggregationResult(AggregationMath.AddScaled(global, mean, 1.0), new AggregationReport(Name, used, dropped));
    }
}
