using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Provisioning;

/// <summary>
/// Takes a device out of service for good: marks it decommissioned (when, why) and clears its MQTT credential, so the
/// embedded broker refuses its login and the host's housekeeping disconnects it if it is still connected; ingest
/// rejects its later messages; it leaves the unfinished rollouts (not rolled back) and rounds it was in, and no cohort
/// takes it again. Provisioning the same id again needs <c>--force</c>, which reinstates it with a new secret.
/// </summary>
public sealed class Decommissioner(IFleetStore store, ILogger? log = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;

    /// <exception cref="ArgumentException">No reason given, or no such device.</exception>
    public async Task<DecommissionResult> DecommissionAsync(string deviceId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("a decommission needs a reason (--reason), kept with the device's record");
        }

        var before = await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"no device '{deviceId}' in the registry");
        var now = DateTimeOffset.UtcNow;
        await store.DecommissionDeviceAsync(deviceId, reason.Trim(), now, cancellationToken).ConfigureAwait(false);

        var rollouts = new List<long>();
        var unfinished = (await store.ListRolloutsAsync(unfinishedOnly: true, cancellationToken).ConfigureAwait(false)).Select(r => r.RolloutId).ToHashSet();
        foreach (var entry in await store.DeviceRolloutsAsync(deviceId, cancellationToken).ConfigureAwait(false))
        {
            if (unfinished.Contains(entry.RolloutId) && !RolloutDeviceStates.IsSettled(entry.State))
            {
                await store.UpsertRolloutDeviceAsync(entry with { State = RolloutDeviceStates.Decommissioned, UpdatedAt = now, Detail = $"decommissioned: {reason}" }, cancellationToken).ConfigureAwait(false);
                rollouts.Add(entry.RolloutId);
            }
        }

        var rounds = new List<string>();
        foreach (var round in await store.ListRoundsAsync(unfinishedOnly: true, cancellationToken).ConfigureAwait(false))
        {
            var participant = (await store.RoundParticipantsAsync(round.RoundId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => p.DeviceId == deviceId);
            if (participant != null && ParticipantStates.IsOpen(participant.State))
            {
                await store.UpsertRoundParticipantAsync(participant with { State = ParticipantStates.Decommissioned, UpdatedAt = now, Detail = $"decommissioned: {reason}" }, cancellationToken).ConfigureAwait(false);
                rounds.Add(round.RoundId);
            }
        }

        var after = await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) ?? before;
        _log.LogWarning("Device {Device} decommissioned ({Reason}); left {Rollouts} rollout(s) and {Rounds} round(s)", deviceId, reason, rollouts.Count, rounds.Count);
        return new DecommissionResult(after, rollouts, rounds, before.Decommissioned);
    }
}
