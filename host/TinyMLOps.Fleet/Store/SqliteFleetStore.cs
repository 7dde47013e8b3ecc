using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace TinyMLOps.Fleet.Store;

/// <summary>
/// The fleet store in one SQLite file: WAL journal, synchronous=FULL (a batch is on disk when IngestAsync returns),
/// a busy timeout for other processes. Writes go through one connection guarded by a semaphore; reads use pooled
/// connections of their own, which WAL lets run beside the writer.
/// </summary>
public sealed class SqliteFleetStore : FleetStore
{
    private const int BusyTimeoutMilliseconds = 10_000;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private SqliteConnection? _writer;
    private bool _disposed;

    /// <param name="pathOrConnectionString">A file path, or a connection string (anything containing '=').</param>
    public SqliteFleetStore(string pathOrConnectionString)
        : base(FleetStoreEngines.Sqlite)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrConnectionString);
        SqliteConnectionStringBuilder builder = pathOrConnectionString.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(pathOrConnectionString)
            : new SqliteConnectionStringBuilder { DataSource = pathOrConnectionString };
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            throw new ArgumentException("The fleet store needs a database file (WAL and separate reader connections do not work in memory).", nameof(pathOrConnectionString));
        }

        builder.Pooling = true;
        string? directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (builder.Mode != SqliteOpenMode.ReadOnly && directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        FilePath = builder.DataSource;
        _connectionString = builder.ToString();
    }

    public string FilePath { get; }

    public override string Location => FilePath;

    protected override string SchemaVersionTableExistsSql => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";

    protected override async Task<T> WithWriterAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_writer is null)
            {
                SqliteConnection writer = await OpenAsync("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", cancellationToken).ConfigureAwait(false);
                _writer = writer;
            }

            return await work(_writer).ConfigureAwait(false);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    protected override async Task<T> WithReaderAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using SqliteConnection reader = await OpenAsync(string.Empty, cancellationToken).ConfigureAwait(false);
        return await work(reader).ConfigureAwait(false);
    }

    /// <summary>SQLITE_BUSY and SQLITE_LOCKED: another process held the file longer than the busy timeout.</summary>
    protected override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 };

    protected override object ToDb(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        DateTimeOffset.UnixEpoch.AddTicks(reader.GetInt64(ordinal) * TimeSpan.TicksPerMicrosecond);

    protected override async ValueTask DisposeCoreAsync()
    {
        await _writerGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            // Close idle pooled connections so the file can be moved or deleted once the store is gone.
            using var probe = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(probe);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    private async Task<SqliteConnection> OpenAsync(string pragmas, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using SqliteCommand setup = connection.CreateCommand();
            setup.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; {pragmas}";
            await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
