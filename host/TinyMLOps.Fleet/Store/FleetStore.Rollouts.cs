using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string RolloutColumns = "rollout_id, variant_id, version, content_hash, role, fleet, board, percent, stages, policy, state, reason, created_at, updated_at, cohort";
    private const string RolloutDeviceColumns = "rollout_id, device_id, state, previous_variant, previous_hash, command_id, assigned_at, installed_at, updated_at, detail";

    public Task<long> CreateRolloutAsync(RolloutRecord rollout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var now = ToDb(DateTimeOffset.UtcNow);
        return WriteScalarAsync(
            $"INSERT INTO rollouts (variant_id, version, content_hash, role, fleet, board, percent, stages, policy, state, reason, created_at, updated_at, cohort) " +
            $"VALUES (@variant, @version, @hash, @role, {(rollout.Fleet == null ? "NULL" : "@fleet")}, {(rollout.Board == null ? "NULL" : "@board")}, @percent, @stages, @policy, @state, @reason, @at, @at, {(rollout.Cohort == null ? "NULL" : "@cohort")}) RETURNING rollout_id",
            cancellationToken,
            ("variant", rollout.VariantId),
            ("version", rollout.Version),
            ("hash", rollout.ContentHash),
            ("role", rollout.Role),
            ("fleet", rollout.Fleet ?? string.Empty),
            ("board", rollout.Board ?? string.Empty),
            ("percent", rollout.Percent),
            ("stages", rollout.Stages),
            ("policy", rollout.Policy),
            ("state", rollout.State),
            ("reason", rollout.Reason),
            ("at", now),
            ("cohort", rollout.Cohort ?? string.Empty));
    }

    public async Task<RolloutRecord?> GetRolloutAsync(long rolloutId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {RolloutColumns} FROM rollouts WHERE rollout_id = @id", ReadRollout, cancellationToken, ("id", rolloutId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<RolloutRecord>> ListRolloutsAsync(bool unfinishedOnly = false, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {RolloutColumns} FROM rollouts{(unfinishedOnly ? " WHERE state IN ('active', 'paused', 'rolling-back')" : string.Empty)} ORDER BY rollout_id DESC",
            ReadRollout,
            cancellationToken);

    public Task UpdateRolloutAsync(long rolloutId, string state, int percent, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        ArgumentNullException.ThrowIfNull(reason);
        return WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                "UPDATE rollouts SET state = @state, percent = @percent, reason = @reason, updated_at = @at WHERE rollout_id = @id",
                cancellationToken,
                ("state", state),
                ("percent", percent),
                ("reason", reason),
                ("at", ToDb(DateTimeOffset.UtcNow)),
                ("id", rolloutId)),
            cancellationToken);
    }

    public Task UpsertRolloutDeviceAsync(RolloutDeviceRecord device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        string command = device.CommandId is null ? "NULL" : "@command";
        string installed = device.InstalledAt is null ? "NULL" : "@installed";
        return WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                $"INSERT INTO rollout_devices ({RolloutDeviceColumns}) VALUES (@rollout, @device, @state, @previous, @previousHash, {command}, @assigned, {installed}, @at, @detail) " +
                $"ON CONFLICT (rollout_id, device_id) DO UPDATE SET state = @state, command_id = {(device.CommandId is null ? "rollout_devices.command_id" : "@command")}, " +
                $"installed_at = {(device.InstalledAt is null ? "rollout_devices.installed_at" : "@installed")}, updated_at = @at, detail = @detail",
                cancellationToken,
                ("rollout", device.RolloutId),
                ("device", device.DeviceId),
                ("state", device.State),
                ("previous", device.PreviousVariant),
                ("previousHash", device.PreviousHash),
                ("command", device.CommandId ?? 0L),
                ("assigned", ToDb(device.AssignedAt)),
                ("installed", ToDb(device.InstalledAt ?? DateTimeOffset.UnixEpoch)),
                ("at", ToDb(device.UpdatedAt)),
                ("detail", device.Detail)),
            cancellationToken);
    }

    public Task<IReadOnlyList<RolloutDeviceRecord>> RolloutDevicesAsync(long rolloutId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {RolloutDeviceColumns} FROM rollout_devices WHERE rollout_id = @id ORDER BY device_id", ReadRolloutDevice, cancellationToken, ("id", rolloutId));

    public Task<IReadOnlyList<RolloutDeviceRecord>> DeviceRolloutsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {RolloutDeviceColumns} FROM rollout_devices WHERE device_id = @device ORDER BY rollout_id DESC", ReadRolloutDevice, cancellationToken, ("device", deviceId));

    private RolloutRecord ReadRollout(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetInt32(2),
        r.GetString(3),
        r.GetInt32(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.GetInt32(7),
        r.GetString(8),
        r.GetString(9),
        r.GetString(10),
        r.GetString(11),
        ReadTime(r, 12),
        ReadTime(r, 13),
        r.IsDBNull(14) ? null : r.GetString(14));

    private RolloutDeviceRecord ReadRolloutDevice(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.IsDBNull(5) ? null : r.GetInt64(5),
        ReadTime(r, 6),
        r.IsDBNull(7) ? null : ReadTime(r, 7),
        ReadTime(r, 8),
        r.GetString(9));
}
