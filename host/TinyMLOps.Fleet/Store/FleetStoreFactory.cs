namespace TinyMLOps.Fleet.Store;

/// <summary>Chooses the engine: SQLite in a local file by default, PostgreSQL when a connection string is given.</summary>
public static class FleetStoreFactory
{
    /// <summary>Creates the store without touching the database; call <see cref="IFleetStore.MigrateAsync"/> before use.</summary>
    public static IFleetStore Open(string? postgresConnectionString, string sqlitePath, string? postgresSchema = null) =>
        string.IsNullOrWhiteSpace(postgresConnectionString)
            ? new SqliteFleetStore(sqlitePath)
            : new PostgresFleetStore(postgresConnectionString, postgresSchema);

    /// <summary>Creates the store and migrates it; refuses a database whose schema is newer than this host.</summary>
    public static async Task<IFleetStore> OpenAsync(string? postgresConnectionString, string sqlitePath, string? postgresSchema = null, CancellationToken cancellationToken = default)
    {
        IFleetStore store = Open(postgresConnectionString, sqlitePath, postgresSchema);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
