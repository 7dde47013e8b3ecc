using System.Text.Json;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Metering.Extraction;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Webhooks;

/// <summary>
/// Each source stores its state change and then records the event; these tests store the change alone (a crash came
/// between the two writes) and check that the source's next pass records the event, once.
/// </summary>
public sealed class FleetEventRecoveryTests : IAsyncLifetime
{
    private static readonly DeviceKeys Keys = new(new byte[32]);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tinymlops-events-");
    private IFleetStore _store = null!;

    public async Task InitializeAsync() => _store = await FleetStoreFactory.OpenAsync(null, Path.Combine(_dir.FullName, "fleet.db"));

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task A_manual_rollback_stored_before_a_crash_is_published_by_the_next_tick_once()
    {
        var now = DateTimeOffset.UtcNow;
        long id = await _store.CreateRolloutAsync(new RolloutRecord(0, "cnn-w1", 2, "ab", VariantAssignment.RolePlugged, "lab", null, 50, "50,100", new RolloutPolicy().ToJson(), RolloutStates.Active, "stage 50%", now, now));
        var controller = new RolloutController(_store, VariantRegistry.Open(Path.Combine(_dir.FullName, "registry")), Keys, downlink: null);
        await controller.RollBackAsync(id, "operator saw bad labels");
        Assert.Empty(await _store.FleetEventsAsync());

        await controller.TickAsync();
        await controller.TickAsync();
        var data = Data(Assert.Single(await _store.FleetEventsAsync(FleetEventTypes.RolloutRolledBack)));
        Assert.Equal((id, "manual", "manual: operator saw bad labels", "plugged"), (data.GetProperty("rolloutId").GetInt64(), data.GetProperty("trigger").GetString(), data.GetProperty("reason").GetString(), data.GetProperty("role").GetString()));
        Assert.Equal(RolloutStates.RolledBack, (await _store.GetRolloutAsync(id))!.State);
    }

    [Fact]
    public async Task A_release_stored_before_a_crash_is_published_when_the_coordinator_starts_and_an_old_one_is_not()
    {
        var now = DateTimeOffset.UtcNow;
        var result = new RoundResult { Strategy = "fedavg", ClientsUsed = 4, Samples = 1024, CurrentAccuracy = 0.71, CandidateAccuracy = 0.83 }.ToJson();
        RoundRecord Released(string id, DateTimeOffset at) => new(
            id, "fashion", "mlp", 1, "ab", VariantAssignment.RolePlugged, "lab", null, "fedavg", "{}", RoundStates.Released, "registered mlp+fl-" + id,
            at, at, at, result, null, "mlp+fl-" + id, 2, null, 1);
        Assert.True(await _store.CreateRoundAsync(Released("r1", now.AddMinutes(-5))));
        Assert.True(await _store.CreateRoundAsync(Released("r0", now.AddHours(-3))));
        var registry = VariantRegistry.Open(Path.Combine(_dir.FullName, "registry"));
        var coordinator = new RoundCoordinator(_store, registry, new RolloutController(_store, registry, Keys, null), null, null);

        await coordinator.PublishRecentReleasesAsync(TimeSpan.FromHours(1));
        await coordinator.PublishRecentReleasesAsync(TimeSpan.FromHours(1));
        var data = Data(Assert.Single(await _store.FleetEventsAsync(FleetEventTypes.RoundReleased)));
        Assert.Equal(("r1", "mlp+fl-r1", 0.83, "fedavg"), (data.GetProperty("roundId").GetString(), data.GetProperty("candidateVariantId").GetString(), data.GetProperty("gate").GetProperty("candidateAccuracy").GetDouble(), data.GetProperty("strategy").GetString()));
    }

    [Fact]
    public async Task A_flag_stored_before_a_crash_is_published_at_the_next_evaluation_with_its_flag_time()
    {
        var flaggedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_010_000);
        await _store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord("d", SuspectStates.Flagged, 2, "fast; low confidence", "kws", 10_800, 3_600, 300, 0, 0.6, 0, 0.01, true, flaggedAt, flaggedAt, null, string.Empty));
        await _store.RecordQuerySignalsAsync([.. Enumerable.Range(0, 3).Select(h => new QuerySignalRecord(
            "d", h + 1, "kws", "kws-int8", 1_700_000_000 + (h * 3600), 1_700_000_000 + (h * 3600) + 3599, 3_600, 3_600, 2_160, 0, 36, 300, flaggedAt))]);
        var monitor = new ExtractionMonitor(_store, _ => new byte[32]);

        Assert.True((await monitor.EvaluateAsync("d"))!.Flag);
        await monitor.EvaluateAsync("d");
        var data = Data(Assert.Single(await _store.FleetEventsAsync(FleetEventTypes.ExtractionSuspect)));
        Assert.Equal(("d", flaggedAt, true), (data.GetProperty("deviceId").GetString(), data.GetProperty("flaggedAt").GetDateTimeOffset(), data.GetProperty("quotaCut").GetBoolean()));
        Assert.Contains(data.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("low confidence", StringComparison.Ordinal));
    }

    private static JsonElement Data(FleetEventRecord e)
    {
        using var json = JsonDocument.Parse(e.Payload);
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(e.Type, json.RootElement.GetProperty("type").GetString());
        return json.RootElement.GetProperty("data").Clone();
    }
}
