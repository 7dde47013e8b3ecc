using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Observability;

/// <summary>
/// The fleet-level instruments of the host's meter (<see cref="MeterName"/>): events as they are first recorded
/// (drift alerts, rollbacks, extraction suspects, released rounds), device answers to commands (quota refusals among
/// them), and gauges of rollouts, rounds and suspects by state, refreshed from the store by the host service.
/// </summary>
public static class FleetInstruments
{
    /// <summary>The host's meter and activity source name, which `serve` exports.</summary>
    public const string MeterName = "TinyMLOps.Host";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Events = Meter.CreateCounter<long>("tinymlops.fleet.events", "{event}", "Fleet events recorded for the first time, by type (drift.alert, rollout.rolled_back, metering.extraction_suspect, round.released)");
    private static readonly Counter<long> CommandResults = Meter.CreateCounter<long>("tinymlops.commands.results", "{result}", "Device answers to commands, by command and outcome (a refused quota token is command quota-grant, outcome refused)");
    private static readonly ConcurrentDictionary<(string Kind, string State), long> States = new();

    static FleetInstruments()
    {
        Meter.CreateObservableGauge("tinymlops.rollouts", () => Observe("rollout"), "{rollout}", "Rollouts by state");
        Meter.CreateObservableGauge("tinymlops.rounds", () => Observe("round"), "{round}", "Federated rounds by state");
        Meter.CreateObservableGauge("tinymlops.metering.suspects", () => Observe("suspect"), "{device}", "Devices by extraction-suspect state");
    }

    public static void OnEventRecorded(string type) => Events.Add(1, new KeyValuePair<string, object?>("type", type));

    public static void OnCommandResult(string command, int status) =>
        CommandResults.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("outcome", status == 0 ? "ok" : "refused"));

    /// <summary>Reads the current rollouts, rounds and suspects by state for the gauges.</summary>
    public static async Task RefreshAsync(IFleetStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rollouts = await store.ListRolloutsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var rounds = await store.ListRoundsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var suspects = await store.ExtractionSuspectsAsync(cancellationToken).ConfigureAwait(false);
        Replace("rollout", rollouts.GroupBy(r => r.State));
        Replace("round", rounds.GroupBy(r => r.State));
        Replace("suspect", suspects.GroupBy(s => s.State));
    }

    private static void Replace<T>(string kind, IEnumerable<IGrouping<string, T>> groups)
    {
        var fresh = groups.ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        foreach (var key in States.Keys.Where(k => k.Kind == kind && !fresh.ContainsKey(k.State)))
        {
            States[key] = 0; // a state that emptied reads 0, not its last count
        }

        foreach ((string state, long count) in fresh)
        {
            States[(kind, state)] = count;
        }
    }

    private static IEnumerable<Measurement<long>> Observe(string kind) =>
        States.Where(kv => kv.Key.Kind == kind).Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key.State)));
}
