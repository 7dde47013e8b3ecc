using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>What an operator asks for: a variant version for one role of a cohort, in percentage stages.</summary>
public sealed record RolloutRequest(string VariantId, int? Version, int Role, string? Fleet, string? Board, string Stages, RolloutPolicy Policy);

/// <summary>A rollout with its devices and the current health judgement of its variant.</summary>
public sealed record RolloutStatus(RolloutRecord Rollout, IReadOnlyList<RolloutDeviceRecord> Devices, HealthSummary Candidate, HealthSummary Baseline, HealthVerdict Verdict);

/// <summary>
/// Runs staged rollouts from the store: the console writes what it wants (start, roll back) and the controller,
/// ticking in the host service, reconciles. Each tick, per unfinished rollout: read what the devices reported
/// (installs, rejections, self-rollbacks, command results), judge the new variant's pooled model health against
/// the variant each device ran before, then act: assign the stage's devices, advance a healthy stage after its
/// soak, or roll back (a rollback command per device, which flips to the kept previous slot; where the device
/// has none kept, the old artifact is delivered again). Everything it needs is in the store, so a host restart
/// resumes mid-rollout; transfers the restart lost are started again. A rollback is published as a
/// rollout.rolled_back event (<paramref name="events"/>, by default the store's webhook outbox).
/// </summary>
public sealed class RolloutController(IFleetStore store, VariantRegistry registry, DeviceKeys keys, IDownlink? downlink, ILogger? log = null, IFleetEvents? events = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly IFleetEvents _events = events ?? new StoreFleetEvents(store);

    public async Task<RolloutRecord> StartAsync(RolloutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!VariantAssignment.IsRole(request.Role))
        {
            throw new ArgumentException("the role is 1 (plugged) or 2 (battery)");
        }

        var artifact = registry.Find(request.VariantId, request.Version)
            ?? throw new ArgumentException($"the registry has no variant {request.VariantId}{(request.Version is { } v ? $" version {v}" : string.Empty)}");
        var stages = RolloutCohort.ParseStages(request.Stages);
        var clash = (await store.ListRolloutsAsync(unfinishedOnly: true, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.Role == request.Role && r.Fleet == request.Fleet && r.Board == request.Board);
        if (clash != null)
        {
            throw new InvalidOperationException($"rollout {clash.RolloutId} ({clash.VariantId}, {clash.State}) already targets this role and cohort; roll it back or let it finish first");
        }

        var now = DateTimeOffset.UtcNow;
        var record = new RolloutRecord(0, artifact.VariantId, artifact.Version, artifact.ContentHash, request.Role, request.Fleet, request.Board, stages[0], string.Join(',', stages), request.Policy.ToJson(), RolloutStates.Active, $"stage {stages[0]}%", now, now);
        long id = await store.CreateRolloutAsync(record, cancellationToken).ConfigureAwait(false);
        _log.LogInformation("Rollout {Id}: {Variant} v{Version} to the {Role} role, stages {Stages}", id, artifact.VariantId, artifact.Version, VariantAssignment.RoleName(request.Role), record.Stages);
        return record with { RolloutId = id };
    }

    /// <summary>Asks for a rollback; the next tick carries it out.</summary>
    public async Task RollBackAsync(long rolloutId, string reason, CancellationToken cancellationToken = default)
    {
        var rollout = await store.GetRolloutAsync(rolloutId, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no rollout {rolloutId}");
        if (rollout.State is RolloutStates.RolledBack or RolloutStates.RollingBack)
        {
            return;
        }

        await store.UpdateRolloutAsync(rolloutId, RolloutStates.RollingBack, rollout.Percent, $"manual: {reason}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One reconciliation pass over every unfinished rollout; returns how many device actions it took.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken = default)
    {
        int actions = 0;
        foreach (var rollout in await store.ListRolloutsAsync(unfinishedOnly: true, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                actions += await TickOneAsync(rollout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogWarning(e, "Rollout {Id} tick failed", rollout.RolloutId);
            }
        }

        return actions;
    }

    /// <summary>Ticks every few seconds until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await TickAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<RolloutStatus> StatusAsync(long rolloutId, CancellationToken cancellationToken = default)
    {
        var rollout = await store.GetRolloutAsync(rolloutId, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no rollout {rolloutId}");
        var devices = await store.RolloutDevicesAsync(rolloutId, cancellationToken).ConfigureAwait(false);
        var (candidate, baseline, failures) = await HealthAsync(rollout, devices, cancellationToken).ConfigureAwait(false);
        return new RolloutStatus(rollout, devices, candidate, baseline, RolloutJudge.Judge(RolloutPolicy.FromJson(rollout.Policy), candidate, baseline, failures));
    }

    private async Task<int> TickOneAsync(RolloutRecord rollout, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, RolloutDeviceRecord>(StringComparer.Ordinal);
        foreach (var entry in await store.RolloutDevicesAsync(rollout.RolloutId, cancellationToken).ConfigureAwait(false))
        {
            entries[entry.DeviceId] = await ObserveAsync(rollout, entry, cancellationToken).ConfigureAwait(false);
        }

        var policy = RolloutPolicy.FromJson(rollout.Policy);
        var cohort = (await store.ListDevicesAsync(rollout.Fleet, cancellationToken).ConfigureAwait(false)).Where(d => RolloutCohort.Matches(rollout, d)).ToList();
        if (rollout.State == RolloutStates.Active)
        {
            var (candidate, baseline, failures) = await HealthAsync(rollout, entries.Values.ToList(), cancellationToken).ConfigureAwait(false);
            var verdict = RolloutJudge.Judge(policy, candidate, baseline, failures);
            if (verdict.Bad)
            {
                _log.LogWarning("Rollout {Id} of {Variant} rolls back: {Reason}", rollout.RolloutId, rollout.VariantId, verdict.Reason);
                rollout = rollout with { State = RolloutStates.RollingBack, Reason = $"automatic: {verdict.Reason}" };
                await store.UpdateRolloutAsync(rollout.RolloutId, rollout.State, rollout.Percent, rollout.Reason, cancellationToken).ConfigureAwait(false);
            }
            else if (StageDone(rollout, cohort, entries) && verdict.Enough && DateTimeOffset.UtcNow - rollout.UpdatedAt >= policy.Soak)
            {
                int? next = RolloutCohort.NextStage(rollout);
                rollout = next is { } p
                    ? rollout with { Percent = p, Reason = $"stage {p}%", UpdatedAt = DateTimeOffset.UtcNow }
                    : rollout with { State = RolloutStates.Completed, Reason = $"completed: {verdict.Reason}" };
                _log.LogInformation("Rollout {Id} of {Variant}: {Reason}", rollout.RolloutId, rollout.VariantId, rollout.Reason);
                await store.UpdateRolloutAsync(rollout.RolloutId, rollout.State, rollout.Percent, rollout.Reason, cancellationToken).ConfigureAwait(false);
            }
        }

        return rollout.State switch
        {
            RolloutStates.Active => await AssignAsync(rollout, cohort, entries, cancellationToken).ConfigureAwait(false),
            RolloutStates.RollingBack => await RollBackDevicesAsync(rollout, entries, cancellationToken).ConfigureAwait(false),
            _ => 0,
        };
    }

    // A stage is done when every targeted device has installed or settled (refused, failed).
    private static bool StageDone(RolloutRecord rollout, List<DeviceRecord> cohort, Dictionary<string, RolloutDeviceRecord> entries)
    {
        var targeted = cohort.Where(d => RolloutCohort.Targets(rollout, d)).ToList();
        return targeted.Count > 0
            && targeted.All(d => entries.TryGetValue(d.DeviceId, out var e) && e.State != RolloutDeviceStates.Assigned)
            && entries.Values.Any(e => e.State == RolloutDeviceStates.Installed);
    }

    private async Task<int> AssignAsync(RolloutRecord rollout, List<DeviceRecord> cohort, Dictionary<string, RolloutDeviceRecord> entries, CancellationToken cancellationToken)
    {
        if (downlink == null)
        {
            return 0; // The console records rollouts; the host service delivers them.
        }

        int actions = 0;
        VariantArtifact? artifact = null;
        byte[]? file = null;
        foreach (var device in cohort.Where(d => RolloutCohort.Targets(rollout, d)))
        {
            entries.TryGetValue(device.DeviceId, out var entry);
            if (entry != null && (entry.State != RolloutDeviceStates.Assigned || downlink.FindTransfer(device.DeviceId, TransferOf(rollout.ContentHash)) != null))
            {
                continue;
            }

            artifact ??= registry.Find(rollout.VariantId, rollout.Version) ?? throw new InvalidOperationException($"variant {rollout.VariantId} v{rollout.Version} left the registry");
            file ??= registry.ReadFile(artifact);
            if (entry != null)
            {
                // Assigned before a host restart: the command is in the store, the transfer was in memory.
                await downlink.StartTransferAsync(device.Fleet, device.DeviceId, TransferOf(rollout.ContentHash), VariantAssignment.ContentTypeModel, VariantDelivery.Seal(file, keys.For(device.DeviceId)), cancellationToken).ConfigureAwait(false);
                actions++;
                continue;
            }

            var (plugged, battery) = await CurrentVariantsAsync(device.DeviceId, cancellationToken).ConfigureAwait(false);
            string previous = rollout.Role == VariantAssignment.RolePlugged ? plugged : battery;
            if (previous == rollout.VariantId)
            {
                await RecordAsync(rollout, device.DeviceId, RolloutDeviceStates.Installed, previous, string.Empty, null, "already ran it", installed: true, cancellationToken).ConfigureAwait(false);
                continue;
            }

            string previousHash = previous.Length == 0 ? string.Empty : registry.Find(previous)?.ContentHash ?? string.Empty;
            var ticket = await VariantDelivery.AssignAsync(store, downlink, device.Fleet, device.DeviceId, rollout.Role, artifact, file, keys.For(device.DeviceId), cancellationToken).ConfigureAwait(false);
            await RecordAsync(rollout, device.DeviceId, RolloutDeviceStates.Assigned, previous, previousHash, ticket.CommandId, $"transfer {ticket.Assignment.TransferId}", installed: false, cancellationToken).ConfigureAwait(false);
            actions++;
        }

        return actions;
    }

    private async Task<int> RollBackDevicesAsync(RolloutRecord rollout, Dictionary<string, RolloutDeviceRecord> entries, CancellationToken cancellationToken)
    {
        // Every tick while rolling back: the event is keyed by rollout, so only the first records it, and a crash
        // between storing the decision and recording the event cannot lose it.
        await _events.PublishQuietlyAsync(RolledBackEvent.Of(rollout, entries.Count, DateTimeOffset.UtcNow), _log, cancellationToken).ConfigureAwait(false);
        int actions = 0;
        foreach (var entry in entries.Values)
        {
            var device = await store.GetDeviceAsync(entry.DeviceId, cancellationToken).ConfigureAwait(false);
            string fleet = device?.Fleet ?? rollout.Fleet ?? string.Empty;
            if (entry.State == RolloutDeviceStates.Assigned)
            {
                if (downlink != null)
                {
                    await downlink.CancelTransferAsync(entry.DeviceId, TransferOf(rollout.ContentHash), cancellationToken).ConfigureAwait(false);
                }

                await UpdateAsync(entry, RolloutDeviceStates.Cancelled, "rolled back before the install", cancellationToken).ConfigureAwait(false);
                actions++;
            }
            else if (entry.State == RolloutDeviceStates.Installed)
            {
                if (entry.PreviousVariant.Length == 0)
                {
                    await UpdateAsync(entry, RolloutDeviceStates.Stranded, "the role ran no variant before this one", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var command = new VariantRollback { Role = rollout.Role, FromVariantId = rollout.VariantId, ToVariantId = entry.PreviousVariant };
                long id = await store.EnqueueCommandAsync(entry.DeviceId, VariantRollback.CommandName, command.Encode(), cancellationToken).ConfigureAwait(false);
                await store.UpsertRolloutDeviceAsync(entry with { State = RolloutDeviceStates.RollingBack, CommandId = id, UpdatedAt = DateTimeOffset.UtcNow, Detail = $"back to {entry.PreviousVariant}" }, cancellationToken).ConfigureAwait(false);
                if (downlink != null)
                {
                    await downlink.SendPendingCommandsAsync(fleet, entry.DeviceId, cancellationToken).ConfigureAwait(false);
                }

                actions++;
            }
        }

        var latest = await store.RolloutDevicesAsync(rollout.RolloutId, cancellationToken).ConfigureAwait(false);
        if (latest.All(e => RolloutDeviceStates.IsSettled(e.State)))
        {
            int back = latest.Count(e => e.State == RolloutDeviceStates.RolledBack);
            await store.UpdateRolloutAsync(rollout.RolloutId, RolloutStates.RolledBack, rollout.Percent, $"{rollout.Reason} ({back} device(s) back on their previous variant)", cancellationToken).ConfigureAwait(false);
            _log.LogInformation("Rollout {Id} of {Variant} rolled back on {Count} device(s)", rollout.RolloutId, rollout.VariantId, back);
        }

        return actions;
    }

    /// <summary>Moves a device's entry on by what the device reported since.</summary>
    private async Task<RolloutDeviceRecord> ObserveAsync(RolloutRecord rollout, RolloutDeviceRecord entry, CancellationToken cancellationToken)
    {
        switch (entry.State)
        {
            case RolloutDeviceStates.Assigned:
            {
                var reports = await VariantDelivery.SwitchReportsAsync(store, entry.DeviceId, 200, cancellationToken).ConfigureAwait(false);
                uint transfer = TransferOf(rollout.ContentHash);
                var outcome = reports.LastOrDefault(r => r.ReceivedAt >= entry.AssignedAt && r.Report.AssignedRole == rollout.Role && r.Report.TransferId == transfer);
                if (outcome?.Report.Reason == VariantSwitchPayload.ReasonInstalled)
                {
                    return await UpdateAsync(entry with { InstalledAt = outcome.ReceivedAt }, RolloutDeviceStates.Installed, "installed", cancellationToken).ConfigureAwait(false);
                }

                if (outcome?.Report.Reason == VariantSwitchPayload.ReasonRejected)
                {
                    return await UpdateAsync(entry, RolloutDeviceStates.Rejected, $"the device refused the artifact: {ModelResult.Name(outcome.Report.Result)}", cancellationToken).ConfigureAwait(false);
                }

                if (await CommandAsync(entry.CommandId, cancellationToken).ConfigureAwait(false) is { Status: not null and not CommandResultPayload.Ok } refused)
                {
                    return await UpdateAsync(entry, RolloutDeviceStates.Rejected, $"the device refused the assignment: {refused.Detail}", cancellationToken).ConfigureAwait(false);
                }

                return entry;
            }

            case RolloutDeviceStates.Installed:
            {
                var reports = await VariantDelivery.SwitchReportsAsync(store, entry.DeviceId, 200, cancellationToken).ConfigureAwait(false);
                bool failed = reports.Any(r => r.ReceivedAt >= (entry.InstalledAt ?? entry.AssignedAt) && r.Report.Reason == VariantSwitchPayload.ReasonRolledBack
                    && r.Report.AssignedRole == rollout.Role && r.Report.Result == ModelResult.LoadFailed);
                return failed
                    ? await UpdateAsync(entry, RolloutDeviceStates.LoadFailed, "the model failed to load; the device went back by itself", cancellationToken).ConfigureAwait(false)
                    : entry;
            }

            case RolloutDeviceStates.RollingBack:
            {
                var command = await CommandAsync(entry.CommandId, cancellationToken).ConfigureAwait(false);
                if (command?.Status == CommandResultPayload.Ok)
                {
                    return await UpdateAsync(entry, RolloutDeviceStates.RolledBack, command.Detail ?? "rolled back", cancellationToken).ConfigureAwait(false);
                }

                if (command?.Status is not null)
                {
                    return await RestoreAsync(rollout, entry, command.Detail ?? "refused", cancellationToken).ConfigureAwait(false);
                }

                return entry;
            }

            case RolloutDeviceStates.Restoring:
            {
                var reports = await VariantDelivery.SwitchReportsAsync(store, entry.DeviceId, 200, cancellationToken).ConfigureAwait(false);
                bool back = reports.Any(r => r.ReceivedAt >= entry.UpdatedAt && r.Report.Reason == VariantSwitchPayload.ReasonInstalled
                    && (rollout.Role == VariantAssignment.RolePlugged ? r.Report.PluggedVariantId : r.Report.BatteryVariantId) == entry.PreviousVariant);
                return back ? await UpdateAsync(entry, RolloutDeviceStates.RolledBack, $"{entry.PreviousVariant} delivered again", cancellationToken).ConfigureAwait(false) : entry;
            }

            default:
                return entry;
        }
    }

    // The device kept no previous slot (or it failed to verify): deliver the old artifact again.
    private async Task<RolloutDeviceRecord> RestoreAsync(RolloutRecord rollout, RolloutDeviceRecord entry, string why, CancellationToken cancellationToken)
    {
        var old = registry.Versions.LastOrDefault(v => v.ContentHash == entry.PreviousHash);
        var device = await store.GetDeviceAsync(entry.DeviceId, cancellationToken).ConfigureAwait(false);
        if (old == null || downlink == null || device == null)
        {
            return await UpdateAsync(entry, RolloutDeviceStates.Stranded, $"rollback refused ({why}) and the old artifact cannot be delivered", cancellationToken).ConfigureAwait(false);
        }

        var ticket = await VariantDelivery.AssignAsync(store, downlink, device.Fleet, entry.DeviceId, rollout.Role, old, registry.ReadFile(old), keys.For(entry.DeviceId), cancellationToken).ConfigureAwait(false);
        return await UpdateAsync(entry with { CommandId = ticket.CommandId }, RolloutDeviceStates.Restoring, $"rollback refused ({why}); delivering {old.VariantId} again", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The new variant's pooled health on the rollout's devices, the old variants' on the same devices, and self-rollbacks.</summary>
    private async Task<(HealthSummary Candidate, HealthSummary Baseline, int LoadFailures)> HealthAsync(RolloutRecord rollout, IReadOnlyCollection<RolloutDeviceRecord> entries, CancellationToken cancellationToken)
    {
        var candidate = new List<(string, ModelHealthPayload)>();
        var baseline = new List<(string, ModelHealthPayload)>();
        // Every device that ran the new variant counts, including those already sent back: the evidence stays.
        foreach (var entry in entries.Where(e => e.State is not (RolloutDeviceStates.Assigned or RolloutDeviceStates.Cancelled or RolloutDeviceStates.Rejected)))
        {
            foreach (var message in await store.MessagesAsync(entry.DeviceId, MessageKind.ModelHealth, 2000, cancellationToken).ConfigureAwait(false))
            {
                var health = ModelHealthPayload.Decode(message.Payload);
                if (health.VariantId == rollout.VariantId)
                {
                    candidate.Add((entry.DeviceId, health));
                }
                else if (health.VariantId == entry.PreviousVariant)
                {
                    baseline.Add((entry.DeviceId, health));
                }
            }
        }

        int failures = entries.Count(e => e.State == RolloutDeviceStates.LoadFailed);
        return (HealthSummary.Pool(candidate), HealthSummary.Pool(baseline), failures);
    }

    /// <summary>The variant ids a device last reported for its plugged and battery roles ("" when none).</summary>
    public async Task<(string Plugged, string Battery)> CurrentVariantsAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        var reports = await VariantDelivery.SwitchReportsAsync(store, deviceId, 1, cancellationToken).ConfigureAwait(false);
        return reports.Count == 0 ? (string.Empty, string.Empty) : (reports[^1].Report.PluggedVariantId, reports[^1].Report.BatteryVariantId);
    }

    private Task<CommandRecord?> CommandAsync(long? commandId, CancellationToken cancellationToken) =>
        commandId is { } id ? store.GetCommandAsync(id, cancellationToken) : Task.FromResult<CommandRecord?>(null);

    private async Task RecordAsync(RolloutRecord rollout, string deviceId, string state, string previous, string previousHash, long? commandId, string detail, bool installed, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await store.UpsertRolloutDeviceAsync(new RolloutDeviceRecord(rollout.RolloutId, deviceId, state, previous, previousHash, commandId, now, installed ? now : null, now, detail), cancellationToken).ConfigureAwait(false);
    }

    private async Task<RolloutDeviceRecord> UpdateAsync(RolloutDeviceRecord entry, string state, string detail, CancellationToken cancellationToken)
    {
        var updated = entry with { State = state, Detail = detail, UpdatedAt = DateTimeOffset.UtcNow };
        await store.UpsertRolloutDeviceAsync(updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    private static uint TransferOf(string contentHash) => VariantDelivery.TransferIdOf(Convert.FromHexString(contentHash));
}
