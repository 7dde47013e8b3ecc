using Npgsql;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

/// <summary>
/// The store contract on PostgreSQL (TINYMLOPS_TEST_POSTGRES or the local default), each test in a fresh schema
/// that is dropped afterwards. An unreachable server fails these tests with directions.
/// </summary>
public sealed class PostgresFleetStoreTests : FleetStoreContractTests
{
    private readonly string _schema = "tinymlops_test_" + Guid.NewGuid().ToString("N")[..16];

    protected override string ExpectedEngine => FleetStoreEngines.Postgres;

    [StoreFact]
    public async Task The_store_keeps_to_its_schema()
    {
        await using NpgsqlConnection connection = await ConnectAsync();
        await using var command = new NpgsqlCommand("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = @schema ORDER BY tablename", connection);
        command.Parameters.AddWithValue("schema", _schema);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        // Exactly the tables the migrations create, in the store's own schema.
        var declared = StoreMigrations.All.Prepend(StoreMigrations.Bootstrap)
            .SelectMany(m => System.Text.RegularExpressions.Regex.Matches(m.Postgres, @"CREATE TABLE (?:IF NOT EXISTS )?(\w+)").Select(x => x.Groups[1].Value))
            .Order(StringComparer.Ordinal);
        Assert.Equal(declared, tables.Order(StringComparer.Ordinal));
        Assert.Contains("rollouts", tables);
        Assert.Contains("fl_participants", tables);
    }

    [StoreFact]
    public async Task The_factory_opens_postgresql_when_a_connection_string_is_given()
    {
        await using IFleetStore store = await FleetStoreFactory.OpenAsync(PostgresTestServer.ConnectionString, "unused.db", _schema);
        Assert.Equal(FleetStoreEngines.Postgres, store.Engine);
        Assert.Equal(StoreMigrations.LatestVersion, await store.SchemaVersionAsync());
        Assert.False(File.Exists("unused.db"));
    }

    protected override Task CreateDatabaseAsync() => PostgresTestServer.EnsureReachableAsync(); // the store creates its schema

    protected override async Task DropDatabaseAsync()
    {
        if (PostgresTestServer.SkipRequested)
        {
            return;
        }

        try
        {
            await using NpgsqlConnection connection = await ConnectAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // Unreachable: the test has already failed with directions.
        }
    }

    protected override FleetStore CreateStore() => new PostgresFleetStore(PostgresTestServer.ConnectionString, _schema);

    protected override async Task MarkSchemaVersionAsync(int version)
    {
        await using NpgsqlConnection connection = await ConnectAsync();
        await using var command = new NpgsqlCommand($"INSERT INTO \"{_schema}\".schema_version (version, description, applied_at) VALUES (@v, 'from a newer host', now())", connection);
        command.Parameters.AddWithValue("v", version);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlConnection> ConnectAsync()
    {
        var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
