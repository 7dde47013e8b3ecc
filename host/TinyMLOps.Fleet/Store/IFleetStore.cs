namespace TinyMLOps.Fleet.Store;

/// <summary>
/// The host's durable state: device registry, ingested uplink messages (deduplicated on device and
/// sequence), rejects, downlink sequences and commands. SQLite by default, PostgreSQL when several
/// host workers share one fleet. Every method is safe to call from several threads and, for PostgreSQL,
/// from several processes.
/// </summary>
public partial interface IFleetStore : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgresql".</summary>
    string Engine { get; }

    /// <summary>Applies the pending schema migrations in order, each in its own transaction; idempotent.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>The schema version after <see cref="MigrateAsync"/>.</summary>
    Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a batch in one transaction: each message not yet stored for its (device, sequence) is
    /// inserted and applied to the registry (hello: identity and capabilities; heartbeat: power, battery,
    /// outbox; dropped: the drop report; every message: last seen). Returns, in batch order, true for a
    /// message that was new and false for a duplicate. When the call returns, the batch is durable.
    /// </summary>
    Task<bool[]> IngestAsync(IReadOnlyList<IngestRecord> batch, CancellationToken cancellationToken = default);

    /// <summary>Stores a reject, its topic and detail cut to a bounded length (an attacker chooses both).</summary>
    Task RecordRejectAsync(RejectRecord reject, CancellationToken cancellationToken = default);

    /// <summary>Deletes the rejects older than <paramref name="olderThan"/> and all but the newest <paramref name="keep"/>; returns how many.</summary>
    Task<long> PruneRejectsAsync(int keep, DateTimeOffset olderThan, CancellationToken cancellationToken = default);

    /// <summary>The fleet each of the given devices is registered with (devices not in the registry are absent).</summary>
    Task<IReadOnlyDictionary<string, string>> FleetsOfAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default);

    /// <summary>Adds or updates a provisioned device (identity, board, credential hash); a decommissioned device is reinstated.</summary>
    Task RegisterDeviceAsync(DeviceRegistration registration, CancellationToken cancellationToken = default);

    Task<DeviceRecord?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default);

    /// <summary>The stored uplink sequences of a device, ascending.</summary>
    Task<IReadOnlyList<long>> SequencesAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>The stored message of a device under one sequence, or null.</summary>
    Task<StoredMessage?> MessageAsync(string deviceId, long sequence, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredMessage>> MessagesAsync(string deviceId, int? kind = null, int limit = 1000, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RejectRecord>> RejectsAsync(int limit = 100, CancellationToken cancellationToken = default);

    Task<FleetCounts> CountsAsync(DateTimeOffset onlineSince, CancellationToken cancellationToken = default);

    /// <summary>Reserves the next downlink sequence for a device (1, 2, ...); atomic across workers.</summary>
    Task<long> NextDownlinkSequenceAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Reserves <paramref name="count"/> consecutive downlink sequences and returns the first; atomic across workers.</summary>
    Task<long> ReserveDownlinkSequencesAsync(string deviceId, int count, CancellationToken cancellationToken = default);

    /// <summary>Queues a command for a device and returns its command id (unique per store).</summary>
    Task<long> EnqueueCommandAsync(string deviceId, string name, byte[] arguments, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<CommandRecord>> PendingCommandsAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Every command of one name queued for a device, completed or not, oldest first.</summary>
    Task<IReadOnlyList<CommandRecord>> CommandsAsync(string deviceId, string name, CancellationToken cancellationToken = default);

    /// <summary>Every command of a device, whatever its name, oldest first (its history).</summary>
    Task<IReadOnlyList<CommandRecord>> DeviceCommandsAsync(string deviceId, CancellationToken cancellationToken = default);

    Task MarkCommandSentAsync(long commandId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records the device's result and returns the command's name; a second result for the same command is ignored (null).</summary>
    Task<string?> CompleteCommandAsync(long commandId, int status, string detail, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<CommandRecord?> GetCommandAsync(long commandId, CancellationToken cancellationToken = default);
}
