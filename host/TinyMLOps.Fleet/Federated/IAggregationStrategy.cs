namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// A server-side aggregation algorithm (Flower's strategy shape, aggregation only): turns the round's client deltas
/// into the next global tensors. Strategies are pure computation: they never touch MQTT, the outbox or the store,
/// so the round controller decides who took part and the strategy only does the math.
/// Some strategies keep state across rounds (FedAvgM's velocity, the DP wrapper's round count): use one instance
/// per training run, and call it from one thread at a time.
/// </summary>
public interface IAggregationStrategy
{
    /// <summary>Short name for reports and the console (for example "FedAvg").</summary>
    string Name { get; }

    /// <summary>
    /// Aggregates <paramref name="updates"/> (deltas against <paramref name="global"/>) into new global tensors.
    /// <paramref name="global"/> is not modified. Unusable updates are dropped and counted in the report.
    /// </summary>
    AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global);
}

/// <summary>The new global tensors and what the strategy did to get them.</summary>
public sealed record AggregationResult(float[][] Global, AggregationReport Report);

/// <summary>
/// What a round's aggregation did.
/// </summary>
/// <param name="Strategy">The strategy name, wrappers included (for example "DP(FedAvg)").</param>
/// <param name="ClientsUsed">Updates that entered the aggregate.</param>
/// <param name="ClientsDropped">Updates rejected before aggregation (wrong shape, non-finite values, no samples).</param>
/// <param name="ClientsTrimmed">For trimmed mean: values cut per coordinate, both sides together.</param>
/// <param name="ClientsClipped">For the DP wrapper: updates whose L2 norm was scaled down to the clipping norm.</param>
/// <param name="Epsilon">For the DP wrapper: the cumulative ε over all rounds so far, at <paramref name="Delta"/>.</param>
/// <param name="Delta">For the DP wrapper: the cumulative δ that goes with <paramref name="Epsilon"/>.</param>
/// <param name="Round">For stateful strategies: the 1-based count of rounds this instance has aggregated.</param>
public sealed record AggregationReport(
    string Strategy,
    int ClientsUsed,
    int ClientsDropped,
    int ClientsTrimmed = 0,
    int ClientsClipped = 0,
    double? Epsilon = null,
    double? Delta = null,
    int? Round = null);
