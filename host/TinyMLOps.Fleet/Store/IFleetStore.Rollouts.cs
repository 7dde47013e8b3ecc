namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>Records a new rollout and returns its id.</summary>
    Task<long> CreateRolloutAsync(RolloutRecord rollout, CancellationToken cancellationToken = default);

    Task<RolloutRecord?> GetRolloutAsync(long rolloutId, CancellationToken cancellationToken = default);

    /// <summary>Every rollout, newest first; only the unfinished ones (active, paused, rolling back) when asked.</summary>
    Task<IReadOnlyList<RolloutRecord>> ListRolloutsAsync(bool unfinishedOnly = false, CancellationToken cancellationToken = default);

    /// <summary>Moves a rollout to a state, stage percentage and reason.</summary>
    Task UpdateRolloutAsync(long rolloutId, string state, int percent, string reason, CancellationToken cancellationToken = default);

    /// <summary>Adds a device to a rollout or updates it; the first call fixes its assignment time and previous variant.</summary>
    Task UpsertRolloutDeviceAsync(RolloutDeviceRecord device, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RolloutDeviceRecord>> RolloutDevicesAsync(long rolloutId, CancellationToken cancellationToken = default);

    /// <summary>The rollout entries of one device, newest rollout first.</summary>
    Task<IReadOnlyList<RolloutDeviceRecord>> DeviceRolloutsAsync(string deviceId, CancellationToken cancellationToken = default);
}
