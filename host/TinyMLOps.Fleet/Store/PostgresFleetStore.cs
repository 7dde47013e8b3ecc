using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;

namespace TinyMLOps.Fleet.Store;

/// <summary>
/// The fleet store in PostgreSQL, shared by several host workers: messages deduplicate on their primary key
/// (device_id, seq) with ON CONFLICT DO NOTHING, registry counters only move forwards, downlink sequences and
/// command ids come from single atomic statements, migrations are serialised with an advisory lock. With a
/// schema name the store keeps all its tables in that schema (created on migration) and nowhere else.
/// </summary>
public sealed partial class PostgresFleetStore : FleetStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string? _schema;

    public PostgresFleetStore(string connectionString, string? schema = null)
        : base(FleetStoreEngines.Postgres)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (schema is not null && !SchemaName().IsMatch(schema))
        {
            throw new ArgumentException($"Schema name '{schema}' must be lower-case letters, digits and underscores, starting with a letter or underscore.", nameof(schema));
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (schema is not null)
        {
            builder.SearchPath = schema;
        }

        _schema = schema;
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}" + (schema is null ? string.Empty : $" schema {schema}");
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override string Location { get; }

    protected override string SchemaVersionTableExistsSql =>
        "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'";

    protected override async Task<T> WithWriterAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await work(connection).ConfigureAwait(false);
    }

    protected override Task<T> WithReaderAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken) =>
        WithWriterAsync(work, cancellationToken);

    /// <summary>One statement for the whole batch: unnest the columns in key order, insert what is new, return its keys.</summary>
    protected override async Task<bool[]> InsertMessagesAsync(DbConnection c, DbTransaction tx, IReadOnlyList<IngestRecord> batch, int[] order, CancellationToken cancellationToken)
    {
        await using DbCommand insert = Command(
            c,
            tx,
            $"""
            INSERT INTO messages ({MessageColumns})
            SELECT * FROM unnest(@device, @seq, @kind, @ts, @at, @payload)
            ON CONFLICT (device_id, seq) DO NOTHING
            RETURNING device_id, seq
            """);
        IngestRecord[] rows = [.. order.Select(i => batch[i])];
        Add(insert, "device", rows.Select(r => r.DeviceId).ToArray());
        Add(insert, "seq", rows.Select(r => r.Sequence).ToArray());
        Add(insert, "kind", rows.Select(r => r.Kind).ToArray());
        Add(insert, "ts", rows.Select(r => (long)r.DeviceTimestamp).ToArray());
        Add(insert, "at", rows.Select(r => r.ReceivedAt.ToUniversalTime()).ToArray());
        Add(insert, "payload", rows.Select(r => r.Payload ?? []).ToArray());

        var inserted = new HashSet<(string, long)>();
        await using (DbDataReader reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        // A key twice in the batch is inserted once, from its first occurrence; Remove marks only that one new.
        var isNew = new bool[batch.Count];
        foreach (int i in order)
        {
            isNew[i] = inserted.Remove((batch[i].DeviceId, batch[i].Sequence));
        }

        return isNew;
    }

    protected override async Task BeforeMigrationStepAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        // Workers starting together migrate one after the other; the later one finds the step applied.
        await ExecuteAsync(
            connection,
            transaction,
            "SELECT pg_advisory_xact_lock(hashtext(@scope))",
            cancellationToken,
            ("scope", "tinymlops.fleet-store.migrate:" + (_schema ?? string.Empty))).ConfigureAwait(false);
        if (_schema is not null)
        {
            await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deadlock and serialisation failures roll the transaction back; running it again is safe.</summary>
    protected override bool IsTransient(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    protected override object ToDb(DateTimeOffset time) => time.ToUniversalTime();

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    protected override ValueTask DisposeCoreAsync() => _dataSource.DisposeAsync();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
