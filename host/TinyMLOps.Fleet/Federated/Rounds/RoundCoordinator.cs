using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Federated.Rounds;

/// <summary>The host's own data for a round's release: calibration for re-quantizing the head, and the held-out set of the gate.</summary>
public sealed record RoundData(LabelledSet Calibration, LabelledSet HeldOut) : IRoundDataSource
{
    /// <summary>The same data for every model.</summary>
    public RoundData? For(string modelId) => this;
}

/// <summary>The host's data per model (a model id names its task): null when the host has none for that model.</summary>
public interface IRoundDataSource
{
    RoundData? For(string modelId);
}

/// <summary>A round with its participants, configuration and result.</summary>
public sealed record RoundStatus(RoundRecord Round, RoundConfig Config, RoundResult Result, IReadOnlyList<RoundParticipantRecord> Participants);

/// <summary>
/// Runs federated rounds from the store, like the rollout controller: the console records a round and the
/// coordinator, ticking in the host service, moves it on. Each step does its work and then moves the round's state
/// with a compare-and-set on its version, and every step can be redone, so a host restart mid-round resumes where the
/// store says: invitations are commands in the store, deltas are stored uplink transfers, the aggregate is the
/// round's candidate head, and a registered or rolled-out candidate is found again rather than added twice. A release
/// is published as a round.released event (<paramref name="events"/>, by default the store's webhook outbox).
/// </summary>
public sealed class RoundCoordinator(IFleetStore store, VariantRegistry registry, RolloutController rollouts, IRoundDataSource? source, IDownlink? downlink, ILogger? log = null, TimeProvider? time = null, IFleetEvents? events = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly IFleetEvents _events = events ?? new StoreFleetEvents(store);

    /// <summary>Records a round; the next tick invites its devices.</summary>
    public async Task<RoundRecord> StartAsync(RoundConfig config, string? roundId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var artifact = registry.Find(config.VariantId, config.Version)
            ?? throw new ArgumentException($"the registry has no variant {config.VariantId}{(config.Version is { } v ? $" version {v}" : string.Empty)}");
        var model = ModelReader.Read(registry.ReadFile(artifact));
        int available = TrainableHead.TrainableLayers(model);
        if (available < config.Layers)
        {
            throw new ArgumentException($"{artifact.VariantId} ends in {available} fully connected layer(s); the round trains {config.Layers}");
        }

        var clash = (await store.ListRoundsAsync(unfinishedOnly: true, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.Role == config.Role && r.Fleet == config.Fleet && r.Board == config.Board);
        if (clash != null)
        {
            throw new InvalidOperationException($"round {clash.RoundId} ({clash.State}) already trains this role and cohort; cancel it or let it finish first");
        }

        var now = _time.GetUtcNow();
        roundId ??= await NextIdAsync(cancellationToken).ConfigureAwait(false);
        var record = new RoundRecord(
            roundId, artifact.ModelId, artifact.VariantId, artifact.Version, artifact.ContentHash, config.Role, config.Fleet, config.Board,
            config.Strategy, (config with { Version = artifact.Version }).ToJson(), RoundStates.Configured, "waiting for the host to invite devices",
            now, now + config.Deadline, now, null, null, null, null, null, 1);
        if (!await store.CreateRoundAsync(record, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"round {roundId} exists");
        }

        _log.LogInformation("Round {Id}: {Variant} v{Version}, {Strategy}, up to {Target} devices by {Deadline:u}", roundId, artifact.VariantId, artifact.Version, config.Strategy, config.TargetParticipants, record.Deadline);
        return record;
    }

    public async Task CancelAsync(string roundId, string reason, CancellationToken cancellationToken = default)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var round = await store.GetRoundAsync(roundId, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no round {roundId}");
            if (RoundStates.IsFinished(round.State))
            {
                return;
            }

            if (await MoveAsync(round, RoundStates.Cancelled, $"cancelled: {reason}", cancellationToken).ConfigureAwait(false) != null)
            {
                return;
            }
        }

        throw new InvalidOperationException($"round {roundId} kept changing; try again");
    }

    public async Task<RoundStatus> StatusAsync(string roundId, CancellationToken cancellationToken = default)
    {
        var round = await store.GetRoundAsync(roundId, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no round {roundId}");
        var participants = await store.RoundParticipantsAsync(roundId, cancellationToken).ConfigureAwait(false);
        return new RoundStatus(round, RoundConfig.FromJson(round.Config), RoundResult.FromJson(round.Result), participants);
    }

    /// <summary>One pass over every unfinished round; returns how many steps it took.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken = default)
    {
        int steps = 0;
        foreach (var round in await store.ListRoundsAsync(unfinishedOnly: true, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // Several steps can follow one another in one tick (collect → aggregate → evaluate → release).
                var current = round;
                for (int i = 0; i < 6 && current != null && !RoundStates.IsFinished(current.State); i++)
                {
                    var next = await StepAsync(current, cancellationToken).ConfigureAwait(false);
                    if (next == null || (next.State == current.State && next.Version == current.Version))
                    {
                        break;
                    }

                    steps++;
                    current = next;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogWarning(e, "Round {Id} tick failed", round.RoundId);
            }
        }

        return steps;
    }

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        await PublishRecentReleasesAsync(TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await TickAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<RoundRecord?> StepAsync(RoundRecord round, CancellationToken cancellationToken) => round.State switch
    {
        RoundStates.Configured => InviteAsync(round, cancellationToken),
        RoundStates.Collecting => CollectAsync(round, cancellationToken),
        RoundStates.Aggregating => AggregateAsync(round, cancellationToken),
        RoundStates.Evaluating => EvaluateAsync(round, cancellationToken),
        RoundStates.Releasing => ReleaseAsync(round, cancellationToken),
        _ => Task.FromResult<RoundRecord?>(null),
    };

    private async Task<RoundRecord?> InviteAsync(RoundRecord round, CancellationToken cancellationToken)
    {
        if (downlink == null)
        {
            return null; // The console records rounds; the host service invites.
        }

        var config = RoundConfig.FromJson(round.Config);
        var eligible = await EligibleAsync(round, config, cancellationToken).ConfigureAwait(false);
        if (eligible.Count == 0)
        {
            return await MoveAsync(round, RoundStates.Failed, "no eligible device (learning consent, base variant on the role, power, battery, cohort)", cancellationToken).ConfigureAwait(false);
        }

        // Invitations already sent (a restart between inviting and moving the state) are not sent again.
        var already = (await store.RoundParticipantsAsync(round.RoundId, cancellationToken).ConfigureAwait(false)).Select(p => p.DeviceId).ToHashSet(StringComparer.Ordinal);
        var invite = config.Invite(round.RoundId, round.BaseVariantId, Convert.FromHexString(round.BaseHash), round.Deadline).Encode();
        foreach (var device in eligible.Where(d => !already.Contains(d.DeviceId)))
        {
            long command = await store.EnqueueCommandAsync(device.DeviceId, RoundInvite.CommandName, invite, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await store.UpsertRoundParticipantAsync(new RoundParticipantRecord(round.RoundId, device.DeviceId, ParticipantStates.Invited, command, now, now, null, null, null, "invited"), cancellationToken).ConfigureAwait(false);
            await downlink.SendPendingCommandsAsync(device.Fleet, device.DeviceId, cancellationToken).ConfigureAwait(false);
        }

        _log.LogInformation("Round {Id}: invited {Count} device(s)", round.RoundId, eligible.Count);
        return await MoveAsync(round, RoundStates.Collecting, $"collecting from {eligible.Count} invited device(s)", cancellationToken, r => r with { Result = new RoundResult { Invited = eligible.Count }.ToJson() }).ConfigureAwait(false);
    }

    /// <summary>Devices of the cohort that consent to learning, run the base variant on the role and meet the power rules, in a per-round random order, up to the target.</summary>
    private async Task<List<DeviceRecord>> EligibleAsync(RoundRecord round, RoundConfig config, CancellationToken cancellationToken)
    {
        var picked = new List<(byte[] Key, DeviceRecord Device)>();
        foreach (var device in await store.ListDevicesAsync(round.Fleet, cancellationToken).ConfigureAwait(false))
        {
            if (round.Board != null && device.Board != round.Board)
            {
                continue;
            }

            // A device whose learning consent is off (or "ask" without the user's grant) would only refuse.
            string learning = UploadConsent.CategoryName(UploadConsent.Learning);
            if ((await store.ConsentAsync(device.DeviceId, cancellationToken).ConfigureAwait(false)).Any(c => c.Category == learning && c.Denied))
            {
                continue;
            }

            bool plugged = device.PowerSource == PowerSource.External;
            if (config.RequirePlugged ? !plugged : (!plugged && device.BatteryPercent < config.MinBatteryPercent))
            {
                continue;
            }

            var (pluggedVariant, batteryVariant) = await rollouts.CurrentVariantsAsync(device.DeviceId, cancellationToken).ConfigureAwait(false);
            string running = round.Role == VariantAssignment.RolePlugged ? pluggedVariant : batteryVariant;
            if (running != round.BaseVariantId)
            {
                continue;
            }

            picked.Add((SHA256.HashData(Encoding.UTF8.GetBytes(round.RoundId + "/" + device.DeviceId)), device));
        }

        return picked.OrderBy(p => Convert.ToHexString(p.Key), StringComparer.Ordinal).Take(config.TargetParticipants).Select(p => p.Device).ToList();
    }

    private async Task<RoundRecord?> CollectAsync(RoundRecord round, CancellationToken cancellationToken)
    {
        var config = RoundConfig.FromJson(round.Config);
        var head = TrainableHead.Find(BaseModel(round), config.Layers);
        var participants = await store.RoundParticipantsAsync(round.RoundId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        foreach (var p in participants.Where(p => ParticipantStates.IsOpen(p.State)))
        {
            await ObserveAsync(round, config, head, p, now, cancellationToken).ConfigureAwait(false);
        }

        participants = await store.RoundParticipantsAsync(round.RoundId, cancellationToken).ConfigureAwait(false);
        int uploaded = participants.Count(p => p.State == ParticipantStates.Uploaded);
        bool allSettled = participants.All(p => !ParticipantStates.IsOpen(p.State));
        bool pastDeadline = now >= round.Deadline;
        var result = Tally(RoundResult.FromJson(round.Result), participants);
        if (!allSettled && !pastDeadline)
        {
            // Progress only: the count of deltas so far, without moving the state.
            return result.ToJson() == round.Result ? null : await MoveAsync(round, RoundStates.Collecting, $"{uploaded} of {participants.Count} delta(s) in", cancellationToken, r => r with { Result = result.ToJson() }).ConfigureAwait(false);
        }

        foreach (var p in participants.Where(p => ParticipantStates.IsOpen(p.State)))
        {
            await store.UpsertRoundParticipantAsync(p with { State = ParticipantStates.Straggler, UpdatedAt = now, Detail = "nothing by the deadline" }, cancellationToken).ConfigureAwait(false);
        }

        participants = await store.RoundParticipantsAsync(round.RoundId, cancellationToken).ConfigureAwait(false);
        result = Tally(result, participants);
        if (uploaded < config.MinParticipants)
        {
            return await MoveAsync(round, RoundStates.Failed, $"{uploaded} delta(s) by the deadline, {config.MinParticipants} needed", cancellationToken, r => r with { Result = result.ToJson() }).ConfigureAwait(false);
        }

        return await MoveAsync(round, RoundStates.Aggregating, $"aggregating {uploaded} delta(s)", cancellationToken, r => r with { Result = result.ToJson() }).ConfigureAwait(false);
    }

    /// <summary>Moves one open participant on by its command result and its uploads.</summary>
    private async Task ObserveAsync(RoundRecord round, RoundConfig config, TrainableHead head, RoundParticipantRecord p, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (p.State == ParticipantStates.Invited && p.CommandId is { } id && await store.GetCommandAsync(id, cancellationToken).ConfigureAwait(false) is { Status: { } status } command)
        {
            bool ok = status == CommandResultPayload.Ok;
            p = p with { State = ok ? ParticipantStates.Accepted : ParticipantStates.Declined, UpdatedAt = now, Detail = command.Detail ?? (ok ? "accepted" : "declined") };
            await store.UpsertRoundParticipantAsync(p, cancellationToken).ConfigureAwait(false);
            if (!ok)
            {
                return;
            }
        }

        foreach (var transfer in await UplinkTransfers.ListAsync(store, p.DeviceId, cancellationToken).ConfigureAwait(false))
        {
            if (!transfer.Complete || transfer.ContentType != ModelDelta.ContentType)
            {
                continue;
            }

            ModelDelta delta;
            try
            {
                delta = ModelDelta.Decode(transfer.Artifact!);
            }
            catch (ProtocolException e)
            {
                // Without a readable round id it cannot be told apart from another round's upload; only an open participant's own round could own it.
                _log.LogWarning("Round {Id}: {Device} uploaded an undecodable delta (transfer {Transfer}): {Reason}", round.RoundId, p.DeviceId, transfer.TransferId, e.Message);
                continue;
            }

            if (delta.RoundId != round.RoundId)
            {
                continue;
            }

            string? problem = Validate(round, config, head, delta);
            if (problem != null)
            {
                await store.UpsertRoundParticipantAsync(p with { State = ParticipantStates.Rejected, UpdatedAt = now, TransferId = transfer.TransferId, Detail = problem }, cancellationToken).ConfigureAwait(false);
                _log.LogWarning("Round {Id}: delta from {Device} rejected: {Reason}", round.RoundId, p.DeviceId, problem);
                return;
            }

            if (await store.RecordRoundDeltaAsync(round.RoundId, p.DeviceId, transfer.TransferId, delta.SampleCount, transfer.Artifact!.Length, now, cancellationToken).ConfigureAwait(false))
            {
                _log.LogInformation("Round {Id}: delta from {Device}, {Samples} samples, {Bytes} bytes", round.RoundId, p.DeviceId, delta.SampleCount, transfer.Artifact!.Length);
            }

            return;
        }
    }

    /// <summary>Why a delta cannot enter the aggregate, or null.</summary>
    public static string? Validate(RoundRecord round, RoundConfig config, TrainableHead head, ModelDelta delta)
    {
        if (delta.BaseVariantId != round.BaseVariantId)
        {
            return $"computed against {delta.BaseVariantId}, not the round's base {round.BaseVariantId}";
        }

        if (delta.SampleCount > (uint)config.MaxSamples)
        {
            // The sample count weighs the update: a device may not claim more than the round let it train on.
            return $"claims {delta.SampleCount} samples, above the round's cap of {config.MaxSamples}";
        }

        if (delta.Tensors.Length != head.TensorCount)
        {
            return $"{delta.Tensors.Length} tensor(s), the head has {head.TensorCount}";
        }

        for (int t = 0; t < head.TensorCount; t++)
        {
            var tensor = delta.Find(head.TensorName(t));
            if (tensor == null)
            {
                return $"no tensor {head.TensorName(t)}";
            }

            if (tensor.ElementCount != head.TensorSize(t))
            {
                return $"{tensor.Name} has {tensor.ElementCount} values, the head {head.TensorSize(t)}";
            }
        }

        return null;
    }

    private async Task<RoundRecord?> AggregateAsync(RoundRecord round, CancellationToken cancellationToken)
    {
        var config = RoundConfig.FromJson(round.Config);
        var model = BaseModel(round);
        var head = TrainableHead.Find(model, config.Layers);
        var global = await BaseHeadAsync(round, model, head, cancellationToken).ConfigureAwait(false);
        var updates = new List<ClientUpdate>();
        long bytes = 0;
        foreach (var p in (await store.RoundParticipantsAsync(round.RoundId, cancellationToken).ConfigureAwait(false)).Where(p => p.State == ParticipantStates.Uploaded))
        {
            var transfer = (await UplinkTransfers.ListAsync(store, p.DeviceId, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(t => t.TransferId == p.TransferId && t.Complete)
                ?? throw new InvalidOperationException($"the delta of {p.DeviceId} (transfer {p.TransferId}) left the store");
            var delta = ModelDelta.Decode(transfer.Artifact!);
            var tensors = new float[head.TensorCount][];
            for (int t = 0; t < head.TensorCount; t++)
            {
                tensors[t] = DeltaCodec.Decode(delta.Find(head.TensorName(t)));
            }

            updates.Add(new ClientUpdate(p.DeviceId, delta.SampleCount, tensors));
            bytes += transfer.Artifact!.Length;
        }

        var strategy = StrategyFactory.Create(config);
        var aggregate = strategy.Aggregate(updates, global);
        double norm = AggregationMath.L2Norm(AggregationMath.AddScaled(aggregate.Global, global, -1.0));
        var result = RoundResult.FromJson(round.Result) with
        {
            DeltaBytes = bytes,
            Float32Bytes = updates.Count * head.TensorSizes().Sum(n => FlowerArrayBytes(n)),
            Strategy = aggregate.Report.Strategy,
            ClientsUsed = aggregate.Report.ClientsUsed,
            ClientsDropped = aggregate.Report.ClientsDropped,
            ClientsTrimmed = aggregate.Report.ClientsTrimmed,
            Epsilon = aggregate.Report.Epsilon,
            UpdateNorm = norm,
        };
        _log.LogInformation("Round {Id}: {Strategy} over {Used} update(s), update norm {Norm:G3}", round.RoundId, result.Strategy, result.ClientsUsed, norm);
        return await MoveAsync(round, RoundStates.Evaluating, $"evaluating the aggregate of {result.ClientsUsed} update(s)", cancellationToken, r => r with { CandidateHead = HeadTensors.Encode(aggregate.Global), Result = result.ToJson() }).ConfigureAwait(false);
    }

    private async Task<RoundRecord?> EvaluateAsync(RoundRecord round, CancellationToken cancellationToken)
    {
        var baseModel = BaseModel(round);
        var data = source?.For(baseModel.ModelId ?? string.Empty);
        if (data == null)
        {
            return round.Reason.StartsWith("waiting", StringComparison.Ordinal) ? null
                : await MoveAsync(round, RoundStates.Evaluating, $"waiting: the host has no held-out data for model '{baseModel.ModelId}' to evaluate with", cancellationToken).ConfigureAwait(false);
        }

        var config = RoundConfig.FromJson(round.Config);
        var head = TrainableHead.Find(baseModel, config.Layers);
        var candidateHead = HeadTensors.Decode(round.CandidateHead ?? throw new InvalidOperationException($"round {round.RoundId} has no candidate"));
        string variantId = ReleaseVariantId(round);
        var candidate = HeadQuantizer.Requantize(baseModel, head, candidateHead, data.Calibration, variantId);
        var verdict = ReleaseGate.Evaluate(baseModel, candidate.Model, data.HeldOut, new GateOptions { MaxClassDropPoints = config.MaxClassDropPoints, MinGainPoints = config.MinGainPoints });
        var result = RoundResult.FromJson(round.Result) with
        {
            CurrentAccuracy = verdict.CurrentAccuracy,
            CandidateAccuracy = verdict.CandidateAccuracy,
            Labels = verdict.Labels,
            CurrentPerClass = verdict.CurrentPerClass,
            CandidatePerClass = verdict.CandidatePerClass,
            GateReasons = verdict.Reasons,
        };
        string accuracy = $"{verdict.CandidateAccuracy:P2} against {verdict.CurrentAccuracy:P2}";
        if (!verdict.Pass)
        {
            _log.LogWarning("Round {Id}: candidate rejected ({Accuracy}): {Reasons}", round.RoundId, accuracy, string.Join("; ", verdict.Reasons));
            return await MoveAsync(round, RoundStates.Rejected, $"gate: {string.Join("; ", verdict.Reasons)}", cancellationToken, r => r with { Result = result.ToJson() }).ConfigureAwait(false);
        }

        // Registered here (idempotent by content hash) so the release step after a restart finds the same version.
        var artifact = Register(round, candidate.File, candidate.Model, verdict.CandidateAccuracy, data.HeldOut.Count);
        return await MoveAsync(round, RoundStates.Releasing, $"passed the gate ({accuracy}); releasing {artifact.VariantId} v{artifact.Version}", cancellationToken, r => r with { Result = result.ToJson(), CandidateVariantId = artifact.VariantId, CandidateVersion = artifact.Version }).ConfigureAwait(false);
    }

    private async Task<RoundRecord?> ReleaseAsync(RoundRecord round, CancellationToken cancellationToken)
    {
        var config = RoundConfig.FromJson(round.Config);
        string variantId = round.CandidateVariantId ?? throw new InvalidOperationException($"round {round.RoundId} has no registered candidate");
        if (!config.Rollout)
        {
            return await ReleasedAsync(await MoveAsync(round, RoundStates.Released, $"registered {variantId} v{round.CandidateVersion}; no rollout asked", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        var existing = (await store.ListRolloutsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.VariantId == variantId && r.Version == round.CandidateVersion && r.Role == round.Role && r.Fleet == round.Fleet && r.Board == round.Board);
        long rolloutId;
        if (existing != null)
        {
            rolloutId = existing.RolloutId;
        }
        else
        {
            try
            {
                var started = await rollouts.StartAsync(new RolloutRequest(variantId, round.CandidateVersion, round.Role, round.Fleet, round.Board, config.RolloutStages, new RolloutPolicy { Soak = config.RolloutSoak, MinInferences = config.RolloutMinInferences }), cancellationToken).ConfigureAwait(false);
                rolloutId = started.RolloutId;
            }
            catch (InvalidOperationException e)
            {
                // Another rollout holds the role and cohort: wait for it.
                string reason = $"waiting: {e.Message}";
                return reason == round.Reason ? null : await MoveAsync(round, RoundStates.Releasing, reason, cancellationToken).ConfigureAwait(false);
            }
        }

        _log.LogInformation("Round {Id}: released {Variant} v{Version} as rollout {Rollout}", round.RoundId, variantId, round.CandidateVersion, rolloutId);
        return await ReleasedAsync(await MoveAsync(round, RoundStates.Released, $"released {variantId} v{round.CandidateVersion} in rollout {rolloutId} ({config.RolloutStages})", cancellationToken, r => r with { RolloutId = rolloutId }).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private VariantArtifact Register(RoundRecord round, byte[] file, Int8Model model, double accuracy, int heldOut)
    {
        string hash = Convert.ToHexStringLower(model.ContentHash);
        var found = registry.Versions.FirstOrDefault(v => v.VariantId == model.VariantId && v.ContentHash == hash);
        if (found != null)
        {
            return found;
        }

        var baseArtifact = registry.Find(round.BaseVariantId, round.BaseVersion) ?? throw new InvalidOperationException($"the base {round.BaseVariantId} v{round.BaseVersion} left the registry");
        var result = RoundResult.FromJson(round.Result);
        string notes = $"federated round {round.RoundId}: {result.Strategy} over {result.ClientsUsed} device(s), {result.Samples:N0} samples, from {round.BaseVariantId} v{round.BaseVersion}";
        return registry.Add(baseArtifact with { VariantId = model.VariantId, Version = 0, ContentHash = hash, Accuracy = accuracy, HeldOutImages = heldOut, Summary = ModelSummary.Of(file), ReleaseNotes = notes, CreatedAt = _time.GetUtcNow() }, file);
    }

    /// <summary>The base variant's float head: the exact aggregate when an earlier round released it, else its dequantized int8 head.</summary>
    private async Task<float[][]> BaseHeadAsync(RoundRecord round, Int8Model model, TrainableHead head, CancellationToken cancellationToken)
    {
        var origin = (await store.ListRoundsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.CandidateVariantId == round.BaseVariantId && r.CandidateVersion == round.BaseVersion && r.CandidateHead != null);
        if (origin != null)
        {
            var tensors = HeadTensors.Decode(origin.CandidateHead!);
            if (tensors.Length == head.TensorCount && tensors.Select(t => t.Length).SequenceEqual(head.TensorSizes()))
            {
                return tensors;
            }
        }

        var dequantized = head.NewTensors();
        head.Dequantize(model, dequantized);
        return dequantized;
    }

    private Int8Model BaseModel(RoundRecord round)
    {
        var artifact = registry.Find(round.BaseVariantId, round.BaseVersion) ?? throw new InvalidOperationException($"the base {round.BaseVariantId} v{round.BaseVersion} left the registry");
        return ModelReader.Read(registry.ReadFile(artifact));
    }

    /// <summary>A released candidate gets its own variant id (devices tell variants apart by id): the base's root plus the round.</summary>
    public static string ReleaseVariantId(RoundRecord round)
    {
        string root = round.BaseVariantId;
        int fl = root.IndexOf("+fl-", StringComparison.Ordinal);
        if (fl > 0)
        {
            root = root[..fl];
        }

        return $"{root}+fl-{round.RoundId}";
    }

    /// <summary>A NumPy .npy v1.0 file of n float32 values: the 128-byte header Flower's ndarray serialization writes, then 4 bytes a value.</summary>
    private static long FlowerArrayBytes(int n) => 128 + (4L * n);

    private static RoundResult Tally(RoundResult result, IReadOnlyList<RoundParticipantRecord> participants) => result with
    {
        Invited = participants.Count,
        Uploaded = participants.Count(p => p.State == ParticipantStates.Uploaded),
        Declined = participants.Count(p => p.State == ParticipantStates.Declined),
        Rejected = participants.Count(p => p.State == ParticipantStates.Rejected),
        Stragglers = participants.Count(p => p.State == ParticipantStates.Straggler),
        Samples = participants.Where(p => p.State == ParticipantStates.Uploaded).Sum(p => p.SampleCount ?? 0),
        DeltaBytes = participants.Where(p => p.State == ParticipantStates.Uploaded).Sum(p => p.DeltaBytes ?? 0),
    };

    private async Task<string> NextIdAsync(CancellationToken cancellationToken)
    {
        var existing = await store.ListRoundsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        int next = existing.Select(r => r.RoundId.StartsWith('r') && int.TryParse(r.RoundId.AsSpan(1), out int n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
        return $"r{next}";
    }

    /// <summary>
    /// Publishes round.released for the writer that won the move (a loser gets null and publishes nothing). A crash
    /// between the move and the event is made good by <see cref="PublishRecentReleasesAsync"/> at the next start.
    /// </summary>
    private async Task<RoundRecord?> ReleasedAsync(RoundRecord? released, CancellationToken cancellationToken)
    {
        if (released != null)
        {
            await _events.PublishQuietlyAsync(RoundReleasedEvent.Of(released, _time.GetUtcNow()), _log, cancellationToken).ConfigureAwait(false);
        }

        return released;
    }

    /// <summary>Records round.released for rounds released in the last <paramref name="within"/> (idempotent by round): what a crash may have left unrecorded.</summary>
    public async Task PublishRecentReleasesAsync(TimeSpan within, CancellationToken cancellationToken = default)
    {
        var since = _time.GetUtcNow() - within;
        foreach (var round in (await store.ListRoundsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Where(r => r.State == RoundStates.Released && r.UpdatedAt >= since))
        {
            await _events.PublishQuietlyAsync(RoundReleasedEvent.Of(round, round.UpdatedAt), _log, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves the round if nobody else did since it was read; null when another writer won.</summary>
    private async Task<RoundRecord?> MoveAsync(RoundRecord round, string state, string reason, CancellationToken cancellationToken, Func<RoundRecord, RoundRecord>? change = null)
    {
        var updated = (change?.Invoke(round) ?? round) with { State = state, Reason = reason, UpdatedAt = _time.GetUtcNow() };
        if (!await store.UpdateRoundAsync(updated, round.Version, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return updated with { Version = round.Version + 1 };
    }
}
