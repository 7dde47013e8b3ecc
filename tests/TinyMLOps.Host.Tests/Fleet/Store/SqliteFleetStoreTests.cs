using Microsoft.Data.Sqlite;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

/// <summary>The store contract on SQLite, in a file of a fresh temporary directory.</summary>
public sealed class SqliteFleetStoreTests : FleetStoreContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tinymlops-store-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "fleet.db");

    protected override string ExpectedEngine => FleetStoreEngines.Sqlite;

    [Fact]
    public async Task The_file_is_in_wal_mode_with_its_data_on_disk()
    {
        await Store.IngestAsync([new IngestRecord("f", "d1", 1, 2, 0, T0, [])]);
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT COUNT(*) FROM messages";
        Assert.Equal(1L, (long?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_factory_opens_sqlite_when_no_connection_string_is_given()
    {
        await using IFleetStore store = await FleetStoreFactory.OpenAsync(null, Path.Combine(_directory, "nested", "factory.db"));
        Assert.Equal(FleetStoreEngines.Sqlite, store.Engine);
        Assert.Equal(StoreMigrations.LatestVersion, await store.SchemaVersionAsync());
        Assert.IsType<SqliteFleetStore>(FleetStoreFactory.Open("  ", DatabasePath));
    }

    protected override Task CreateDatabaseAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    protected override FleetStore CreateStore() => new SqliteFleetStore(DatabasePath);

    protected override async Task MarkSchemaVersionAsync(int version)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES ($v, 'from a newer host', 0)";
        command.Parameters.AddWithValue("$v", version);
        await command.ExecuteNonQueryAsync();
    }
}
