using System.Data;
using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

/// <summary>
/// The engine-neutral part of a fleet store: every query and the ingest, migration and retry logic. The DML is
/// written once in the SQL both engines accept (upserts with ON CONFLICT, RETURNING, CASE instead of GREATEST);
/// an engine supplies connections, transactions, the time representation and which errors are worth a retry.
/// </summary>
public abstract partial class FleetStore : IFleetStore
{
    private const int MaxAttempts = 8;

    private const string DeviceColumns =
        "device_id, fleet, board, firmware_version, model_id, model_version, free_heap_bytes, free_flash_bytes, kernel_mask, "
        + "power_source, battery_percent, boot_count, outbox_entries, outbox_bytes, dropped_total, inferences, uptime_seconds, "
        + "message_count, last_seq, first_seen, last_seen, credential_hash, kernel_backend, decommissioned_at, decommission_reason";

    private const string CommandColumns = "command_id, device_id, name, arguments, created_at, sent_at, status, detail, completed_at";

    protected const string MessageColumns = "device_id, seq, kind, device_timestamp, received_at, payload";

    protected FleetStore(string engine)
    {
        Engine = engine;
    }

    public string Engine { get; }

    /// <summary>Where the data lives, for messages (no credentials).</summary>
    public abstract string Location { get; }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        int current = await SchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        EnsureKnownVersion(current);
        foreach (StoreMigration step in StoreMigrations.All)
        {
            if (step.Version <= current)
            {
                continue;
            }

            current = await WriteAsync(
                async (c, tx) =>
                {
                    await BeforeMigrationStepAsync(c, tx, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(c, tx, StoreMigrations.Bootstrap.SqlFor(Engine), cancellationToken).ConfigureAwait(false);
                    int version = await ReadVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
                    EnsureKnownVersion(version);
                    if (version >= step.Version)
                    {
                        return version; // another worker applied it meanwhile
                    }

                    await ExecuteAsync(c, tx, step.SqlFor(Engine), cancellationToken).ConfigureAwait(false);
                    await using DbCommand mark = Command(c, tx, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @at)");
                    Add(mark, "v", step.Version);
                    Add(mark, "d", step.Description);
                    Add(mark, "at", ToDb(DateTimeOffset.UtcNow));
                    await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    return step.Version;
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        WithReaderAsync(
            async c =>
            {
                await using DbCommand exists = Command(c, null, SchemaVersionTableExistsSql);
                if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    return 0;
                }

                return await ReadVersionAsync(c, null, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    public Task<bool[]> IngestAsync(IReadOnlyList<IngestRecord> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.FromResult(Array.Empty<bool>());
        }

        foreach (IngestRecord r in batch)
        {
            ArgumentNullException.ThrowIfNull(r, nameof(batch));
            ArgumentException.ThrowIfNullOrEmpty(r.DeviceId, nameof(batch));
        }

        // One lock order for every worker: rows by (device, sequence), devices by id. A stable sort keeps the
        // first of two equal keys in batch order first, so it is the one reported new.
        int[] order = [.. Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].DeviceId, StringComparer.Ordinal).ThenBy(i => batch[i].Sequence)];
        return WriteAsync(
            async (c, tx) =>
            {
                bool[] isNew = await InsertMessagesAsync(c, tx, batch, order, cancellationToken).ConfigureAwait(false);
                await ApplyToRegistryAsync(c, tx, batch, order, isNew, ToDb, cancellationToken).ConfigureAwait(false);
                return isNew;
            },
            cancellationToken);
    }

    public Task RecordRejectAsync(RejectRecord reject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reject);
        return WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                "INSERT INTO rejects (at, topic, device_id, reason, detail, size) VALUES (@at, @topic, @device, @reason, @detail, @size)",
                cancellationToken,
                ("at", ToDb(reject.At)),
                ("topic", Clip(reject.Topic, MaxRejectTopic)),
                ("device", reject.DeviceId),
                ("reason", reject.Reason),
                ("detail", Clip(reject.Detail, MaxRejectDetail)),
                ("size", reject.Size)),
            cancellationToken);
    }

    /// <summary>Characters of a reject's topic that are stored: a protocol topic is under 100, the rest is the sender's padding.</summary>
    public const int MaxRejectTopic = 256;

    /// <summary>Characters of a reject's reason text that are stored.</summary>
    public const int MaxRejectDetail = 512;

    /// <summary>Cuts <paramref name="text"/> to <paramref name="max"/> characters, saying how many were cut.</summary>
    public static string Clip(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        string marker = $"...[+{text.Length - max} chars]";
        return string.Concat(text.AsSpan(0, max - marker.Length), marker);
    }

    public Task<long> PruneRejectsAsync(int keep, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        return WriteAsync(
            async (c, tx) => (long)await ExecuteAsync(
                c,
                tx,
                "DELETE FROM rejects WHERE at < @before OR reject_id <= (SELECT reject_id FROM rejects ORDER BY reject_id DESC LIMIT 1 OFFSET @keep)",
                cancellationToken,
                ("before", ToDb(olderThan)),
                ("keep", keep)).ConfigureAwait(false),
            cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> FleetsOfAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        var fleets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string[] chunk in deviceIds.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var parameters = chunk.Select((id, i) => ("d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)id)).ToArray();
            string list = string.Join(", ", parameters.Select(p => "@" + p.Item1));
            foreach (var (device, fleet) in await QueryAsync($"SELECT device_id, fleet FROM devices WHERE device_id IN ({list})", r => (r.GetString(0), r.GetString(1)), cancellationToken, parameters).ConfigureAwait(false))
            {
                fleets[device] = fleet;
            }
        }

        return fleets;
    }

    public Task RegisterDeviceAsync(DeviceRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentException.ThrowIfNullOrEmpty(registration.DeviceId, nameof(registration));
        return WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                """
                INSERT INTO devices (device_id, fleet, board, credential_hash) VALUES (@device, @fleet, @board, @credential)
                ON CONFLICT (device_id) DO UPDATE SET fleet = excluded.fleet, board = excluded.board, credential_hash = excluded.credential_hash,
                    decommissioned_at = NULL, decommission_reason = ''
                """,
                cancellationToken,
                ("device", registration.DeviceId),
                ("fleet", registration.Fleet),
                ("board", registration.Board),
                ("credential", registration.CredentialHash)),
            cancellationToken);
    }

    public async Task<DeviceRecord?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DeviceRecord> found = await QueryAsync(
            $"SELECT {DeviceColumns} FROM devices WHERE device_id = @device",
            ReadDevice,
            cancellationToken,
            ("device", deviceId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default) =>
        fleet is null
            ? QueryAsync($"SELECT {DeviceColumns} FROM devices ORDER BY device_id", ReadDevice, cancellationToken)
            : QueryAsync($"SELECT {DeviceColumns} FROM devices WHERE fleet = @fleet ORDER BY device_id", ReadDevice, cancellationToken, ("fleet", fleet));

    public Task<IReadOnlyList<long>> SequencesAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT seq FROM messages WHERE device_id = @device ORDER BY seq", r => r.GetInt64(0), cancellationToken, ("device", deviceId));

    /// <summary>The newest <paramref name="limit"/> messages of a device (of one kind when given), ascending by sequence.</summary>
    public Task<IReadOnlyList<StoredMessage>> MessagesAsync(string deviceId, int? kind = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        string filter = kind is null ? string.Empty : " AND kind = @kind";
        return QueryAsync(
            $"SELECT {MessageColumns} FROM (SELECT {MessageColumns} FROM messages WHERE device_id = @device{filter} ORDER BY seq DESC LIMIT @limit) AS newest ORDER BY seq",
            r => new StoredMessage(r.GetString(0), r.GetInt64(1), r.GetInt32(2), (uint)r.GetInt64(3), ReadTime(r, 4), (byte[])r.GetValue(5)),
            cancellationToken,
            ("device", deviceId),
            ("kind", kind),
            ("limit", limit));
    }

    public async Task<StoredMessage?> MessageAsync(string deviceId, long sequence, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync(
            $"SELECT {MessageColumns} FROM messages WHERE device_id = @device AND seq = @seq",
            r => new StoredMessage(r.GetString(0), r.GetInt64(1), r.GetInt32(2), (uint)r.GetInt64(3), ReadTime(r, 4), (byte[])r.GetValue(5)),
            cancellationToken,
            ("device", deviceId),
            ("seq", sequence)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The newest <paramref name="limit"/> rejects, newest first.</summary>
    public Task<IReadOnlyList<RejectRecord>> RejectsAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return QueryAsync(
            "SELECT at, topic, device_id, reason, detail, size FROM rejects ORDER BY reject_id DESC LIMIT @limit",
            r => new RejectRecord(ReadTime(r, 0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetInt32(5)),
            cancellationToken,
            ("limit", limit));
    }

    /// <summary>The drop reports of a device in the order they were sent (not part of <see cref="IFleetStore"/> yet).</summary>
    public Task<IReadOnlyList<DropRecord>> DropsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT device_id, seq, kind, count, first_seq, last_seq, received_at FROM drops WHERE device_id = @device ORDER BY seq, drop_id",
            r => new DropRecord(r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), ReadTime(r, 6)),
            cancellationToken,
            ("device", deviceId));

    public async Task<FleetCounts> CountsAsync(DateTimeOffset onlineSince, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<FleetCounts> counts = await QueryAsync(
            """
            SELECT (SELECT COUNT(*) FROM devices),
                   (SELECT COUNT(*) FROM devices WHERE last_seen >= @since),
                   (SELECT COUNT(*) FROM messages),
                   (SELECT COUNT(*) FROM rejects),
                   (SELECT COUNT(*) FROM commands WHERE completed_at IS NULL)
            """,
            r => new FleetCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)),
            cancellationToken,
            ("since", ToDb(onlineSince))).ConfigureAwait(false);
        return counts[0];
    }

    public Task<long> NextDownlinkSequenceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        ReserveDownlinkSequencesAsync(deviceId, 1, cancellationToken);

    public async Task<long> ReserveDownlinkSequencesAsync(string deviceId, int count, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        long last = await WriteScalarAsync(
            """
            INSERT INTO downlink_sequences (device_id, last_seq) VALUES (@device, @count)
            ON CONFLICT (device_id) DO UPDATE SET last_seq = downlink_sequences.last_seq + @count
            RETURNING last_seq
            """,
            cancellationToken,
            ("device", deviceId),
            ("count", (long)count)).ConfigureAwait(false);
        return last - count + 1;
    }

    public Task<long> EnqueueCommandAsync(string deviceId, string name, byte[] arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(arguments);
        return WriteScalarAsync(
            "INSERT INTO commands (device_id, name, arguments, created_at) VALUES (@device, @name, @arguments, @at) RETURNING command_id",
            cancellationToken,
            ("device", deviceId),
            ("name", name),
            ("arguments", arguments),
            ("at", ToDb(DateTimeOffset.UtcNow)));
    }

    public Task<IReadOnlyList<CommandRecord>> PendingCommandsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {CommandColumns} FROM commands WHERE device_id = @device AND completed_at IS NULL ORDER BY command_id",
            ReadCommand,
            cancellationToken,
            ("device", deviceId));

    public Task<IReadOnlyList<CommandRecord>> CommandsAsync(string deviceId, string name, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {CommandColumns} FROM commands WHERE device_id = @device AND name = @name ORDER BY command_id",
            ReadCommand,
            cancellationToken,
            ("device", deviceId),
            ("name", name));

    public Task<IReadOnlyList<CommandRecord>> DeviceCommandsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {CommandColumns} FROM commands WHERE device_id = @device ORDER BY command_id", ReadCommand, cancellationToken, ("device", deviceId));

    /// <summary>Records the (latest) time the command went out; a completed command is left alone.</summary>
    public Task MarkCommandSentAsync(long commandId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                "UPDATE commands SET sent_at = @at WHERE command_id = @id AND completed_at IS NULL",
                cancellationToken,
                ("at", ToDb(at)),
                ("id", commandId)),
            cancellationToken);

    public Task<string?> CompleteCommandAsync(long commandId, int status, string detail, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return WriteAsync(
            async (c, tx) =>
            {
                await using DbCommand command = Command(c, tx, "UPDATE commands SET status = @status, detail = @detail, completed_at = @at WHERE command_id = @id AND completed_at IS NULL RETURNING name");
                Add(command, "status", status);
                Add(command, "detail", detail);
                Add(command, "at", ToDb(at));
                Add(command, "id", commandId);
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken);
    }

    public async Task<CommandRecord?> GetCommandAsync(long commandId, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CommandRecord> found = await QueryAsync(
            $"SELECT {CommandColumns} FROM commands WHERE command_id = @id",
            ReadCommand,
            cancellationToken,
            ("id", commandId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    // ---- engine hooks ----

    /// <summary>A count (0 or 1) of tables named schema_version where the store's tables live.</summary>
    protected abstract string SchemaVersionTableExistsSql { get; }

    /// <summary>Runs <paramref name="work"/> on a connection that may write (one at a time per store for SQLite).</summary>
    protected abstract Task<T> WithWriterAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken);

    protected abstract Task<T> WithReaderAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Called first in each migration transaction: serialise migrating workers, create the schema.</summary>
    protected virtual Task BeforeMigrationStepAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Errors after which the whole transaction is rolled back and may simply be run again (deadlock, busy).</summary>
    protected abstract bool IsTransient(Exception exception);

    protected abstract object ToDb(DateTimeOffset time);

    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    protected abstract ValueTask DisposeCoreAsync();

    // ---- shared plumbing ----

    /// <summary>Runs <paramref name="work"/> in one write transaction, again from the start after a transient error.</summary>
    protected async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await WithWriterAsync(
                    async c =>
                    {
                        await using DbTransaction tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                        T result = await work(c, tx).ConfigureAwait(false);
                        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return result;
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e))
            {
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    protected static DbParameter Add(DbCommand command, string name, object? value)
    {
        DbParameter p = Configure(command.CreateParameter(), name, value);
        command.Parameters.Add(p);
        return p;
    }

    private static DbParameter Configure(DbParameter p, string name, object? value)
    {
        p.ParameterName = name;
        switch (value)
        {
            case null:
                p.DbType = DbType.String; // the only nullable parameters are text
                p.Value = DBNull.Value;
                break;
            case string s:
                p.DbType = DbType.String;
                p.Value = s;
                break;
            case byte[] b:
                p.DbType = DbType.Binary;
                p.Value = b;
                break;
            case int i:
                p.DbType = DbType.Int32;
                p.Value = i;
                break;
            case long l:
                p.DbType = DbType.Int64;
                p.Value = l;
                break;
            default:
                p.Value = value; // engine time values and arrays: the provider infers the type
                break;
        }

        return p;
    }

    /// <summary>Runs statements in order: as one <see cref="DbBatch"/> where the provider has batches, else one by one.</summary>
    private static async Task ExecuteAllAsync(DbConnection c, DbTransaction tx, List<Statement> statements, CancellationToken cancellationToken)
    {
        if (!c.CanCreateBatch)
        {
            // One prepared command per distinct statement, re-bound for each row: SQLite parses each text once per batch.
            var prepared = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
            try
            {
                foreach (Statement statement in statements)
                {
                    if (!prepared.TryGetValue(statement.Sql, out DbCommand? command))
                    {
                        command = Command(c, tx, statement.Sql);
                        foreach ((string name, object? value) in statement.Parameters)
                        {
                            Add(command, name, value);
                        }

                        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
                        prepared.Add(statement.Sql, command);
                    }
                    else
                    {
                        foreach ((string name, object? value) in statement.Parameters)
                        {
                            Configure(command.Parameters[name], name, value);
                        }
                    }

                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                foreach (DbCommand command in prepared.Values)
                {
                    await command.DisposeAsync().ConfigureAwait(false);
                }
            }

            return;
        }

        if (statements.Count == 0)
        {
            return;
        }

        await using DbBatch batch = c.CreateBatch();
        batch.Transaction = tx;
        foreach (Statement statement in statements)
        {
            DbBatchCommand command = batch.CreateBatchCommand();
            command.CommandText = statement.Sql;
            foreach ((string name, object? value) in statement.Parameters)
            {
                command.Parameters.Add(Configure(command.CreateParameter(), name, value));
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected static async Task<int> ExecuteAsync(
        DbConnection connection,
        DbTransaction? transaction,
        string sql,
        CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = Command(connection, transaction, sql);
        foreach ((string name, object? value) in parameters)
        {
            Add(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void EnsureKnownVersion(int version)
    {
        if (version > StoreMigrations.LatestVersion)
        {
            throw new FleetStoreSchemaException(Engine, Location, version, StoreMigrations.LatestVersion);
        }
    }

    private static async Task<int> ReadVersionAsync(DbConnection c, DbTransaction? tx, CancellationToken cancellationToken)
    {
        await using DbCommand command = Command(c, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<long> WriteScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        WriteAsync(
            async (c, tx) =>
            {
                await using DbCommand command = Command(c, tx, sql);
                foreach ((string name, object? value) in parameters)
                {
                    Add(command, name, value);
                }

                return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            },
            cancellationToken);

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        WithReaderAsync<IReadOnlyList<T>>(
            async c =>
            {
                await using DbCommand command = Command(c, null, sql);
                foreach ((string name, object? value) in parameters)
                {
                    if (value is not null)
                    {
                        Add(command, name, value);
                    }
                }

                var rows = new List<T>();
                await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(read(reader));
                }

                return rows;
            },
            cancellationToken);

    /// <summary>
    /// Inserts the messages of a batch in <paramref name="order"/> (by device, then sequence), skipping stored keys;
    /// returns, in batch order, which rows were inserted. This default runs one prepared statement per row.
    /// </summary>
    protected virtual async Task<bool[]> InsertMessagesAsync(DbConnection c, DbTransaction tx, IReadOnlyList<IngestRecord> batch, int[] order, CancellationToken cancellationToken)
    {
        var isNew = new bool[batch.Count];
        await using DbCommand insert = Command(
            c,
            tx,
            $"INSERT INTO messages ({MessageColumns}) VALUES (@device, @seq, @kind, @ts, @at, @payload) ON CONFLICT (device_id, seq) DO NOTHING");
        DbParameter device = Add(insert, "device", string.Empty);
        DbParameter seq = Add(insert, "seq", 0L);
        DbParameter kind = Add(insert, "kind", 0);
        DbParameter ts = Add(insert, "ts", 0L);
        DbParameter at = Add(insert, "at", ToDb(DateTimeOffset.UnixEpoch));
        DbParameter payload = Add(insert, "payload", Array.Empty<byte>());
        await insert.PrepareAsync(cancellationToken).ConfigureAwait(false);
        foreach (int i in order)
        {
            IngestRecord r = batch[i];
            device.Value = r.DeviceId;
            seq.Value = r.Sequence;
            kind.Value = r.Kind;
            ts.Value = (long)r.DeviceTimestamp;
            at.Value = ToDb(r.ReceivedAt);
            payload.Value = r.Payload ?? [];
            isNew[i] = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }

        return isNew;
    }

    /// <summary>Applies the new messages of a batch to the registry, device by device in id order, in one round trip where the provider batches.</summary>
    private static Task ApplyToRegistryAsync(DbConnection c, DbTransaction tx, IReadOnlyList<IngestRecord> batch, int[] order, bool[] isNew, Func<DateTimeOffset, object> toDb, CancellationToken cancellationToken)
    {
        var statements = new List<Statement>();
        foreach (IGrouping<string, IngestRecord> device in order.Where(i => isNew[i]).Select(i => batch[i]).GroupBy(r => r.DeviceId, StringComparer.Ordinal))
        {
            // Rows are in sequence order, so the last of each kind is the newest.
            IngestRecord[] rows = [.. device];
            IngestRecord? hello = rows.LastOrDefault(r => r.Hello is not null);
            IngestRecord? heartbeat = rows.LastOrDefault(r => r.Heartbeat is not null);
            IngestRecord? state = rows.LastOrDefault(r => r.Hello is not null || r.Heartbeat is not null);
            statements.Add(new(
                """
                INSERT INTO devices (device_id, fleet, message_count, last_seq, first_seen, last_seen)
                VALUES (@device, @fleet, @count, @seq, @first, @last)
                ON CONFLICT (device_id) DO UPDATE SET
                    message_count = devices.message_count + excluded.message_count,
                    last_seq = CASE WHEN devices.last_seq < excluded.last_seq THEN excluded.last_seq ELSE devices.last_seq END,
                    first_seen = CASE WHEN devices.first_seen IS NULL OR devices.first_seen > excluded.first_seen THEN excluded.first_seen ELSE devices.first_seen END,
                    last_seen = CASE WHEN devices.last_seen IS NULL OR devices.last_seen < excluded.last_seen THEN excluded.last_seen ELSE devices.last_seen END
                """,
                [
                    ("device", device.Key),
                    ("fleet", rows[0].Fleet),
                    ("count", (long)rows.Length),
                    ("seq", rows[^1].Sequence),
                    ("first", toDb(rows.Min(r => r.ReceivedAt))),
                    ("last", toDb(rows.Max(r => r.ReceivedAt))),
                ]));
            if (hello?.Hello is { } h)
            {
                statements.Add(new(
                    """
                    UPDATE devices SET board = @board, firmware_version = @firmware, model_id = @model, model_version = @modelVersion,
                        free_heap_bytes = @heap, free_flash_bytes = @flash, kernel_mask = @kernels, kernel_backend = @backend, hello_seq = @seq
                    WHERE device_id = @device AND hello_seq < @seq
                    """,
                    [
                        ("board", h.Board),
                        ("firmware", h.FirmwareVersion),
                        ("model", h.ModelId),
                        ("modelVersion", (long)h.ModelVersion),
                        ("heap", (long)h.FreeHeapBytes),
                        ("flash", (long)h.FreeFlashBytes),
                        ("kernels", (long)h.KernelMask),
                        ("backend", h.KernelBackend ?? string.Empty),
                        ("seq", hello.Sequence),
                        ("device", device.Key),
                    ]));
            }

            if (heartbeat?.Heartbeat is { } hb)
            {
                statements.Add(new(
                    """
                    UPDATE devices SET outbox_entries = @entries, outbox_bytes = @bytes, dropped_total = @dropped, inferences = @inferences,
                        uptime_seconds = @uptime, heartbeat_seq = @seq
                    WHERE device_id = @device AND heartbeat_seq < @seq
                    """,
                    [
                        ("entries", (long)hb.OutboxEntries),
                        ("bytes", (long)hb.OutboxBytes),
                        ("dropped", (long)hb.DroppedTotal),
                        ("inferences", (long)hb.Inferences),
                        ("uptime", (long)hb.UptimeSeconds),
                        ("seq", heartbeat.Sequence),
                        ("device", device.Key),
                    ]));
            }

            if (state is not null)
            {
                // Power, battery and boot count come from whichever of hello and heartbeat is newest.
                (int power, int battery, uint boots) = state.Hello is { } sh
                    ? (sh.PowerSource, sh.BatteryPercent, sh.BootCount)
                    : (state.Heartbeat!.PowerSource, state.Heartbeat.BatteryPercent, state.Heartbeat.BootCount);
                statements.Add(new(
                    "UPDATE devices SET power_source = @power, battery_percent = @battery, boot_count = @boots, state_seq = @seq WHERE device_id = @device AND state_seq < @seq",
                    [
                        ("power", power),
                        ("battery", battery),
                        ("boots", (long)boots),
                        ("seq", state.Sequence),
                        ("device", device.Key),
                    ]));
            }

            foreach (IngestRecord r in rows)
            {
                AddDrops(statements, r, toDb);
            }

            AddConsent(statements, rows, device.Key, toDb);
            AddTelemetry(statements, rows, device.Key, toDb);
        }

        return ExecuteAllAsync(c, tx, statements, cancellationToken);
    }

    private static void AddDrops(List<Statement> statements, IngestRecord r, Func<DateTimeOffset, object> toDb)
    {
        if (r.Dropped is not { } d)
        {
            return;
        }

        for (int e = 0; e < d.Kinds.Length; e++)
        {
            statements.Add(new(
                "INSERT INTO drops (device_id, seq, kind, count, first_seq, last_seq, received_at) VALUES (@device, @seq, @kind, @count, @first, @last, @at)",
                [
                    ("device", r.DeviceId),
                    ("seq", r.Sequence),
                    ("kind", d.Kinds[e]),
                    ("count", (long)d.Counts[e]),
                    ("first", (long)d.FirstSequences[e]),
                    ("last", (long)d.LastSequences[e]),
                    ("at", toDb(r.ReceivedAt)),
                ]));
        }
    }

    private DeviceRecord ReadDevice(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetInt64(5),
        r.GetInt64(6),
        r.GetInt64(7),
        r.GetInt64(8),
        r.GetInt32(9),
        r.GetInt32(10),
        r.GetInt64(11),
        r.GetInt64(12),
        r.GetInt64(13),
        r.GetInt64(14),
        r.GetInt64(15),
        r.GetInt64(16),
        r.GetInt64(17),
        r.GetInt64(18),
        ReadOptionalTime(r, 19),
        ReadOptionalTime(r, 20),
        r.IsDBNull(21) ? null : r.GetString(21),
        r.GetString(22),
        ReadOptionalTime(r, 23),
        r.GetString(24));

    private CommandRecord ReadCommand(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        (byte[])r.GetValue(3),
        ReadTime(r, 4),
        ReadOptionalTime(r, 5),
        r.IsDBNull(6) ? null : r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetString(7),
        ReadOptionalTime(r, 8));

    private DateTimeOffset? ReadOptionalTime(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : ReadTime(r, ordinal);

    private readonly record struct Statement(string Sql, (string Name, object? Value)[] Parameters);
}
