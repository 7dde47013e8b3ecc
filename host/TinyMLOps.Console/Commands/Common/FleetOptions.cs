using System.CommandLine;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>Where the fleet's state lives: options shared by serve, fleet, device, status and live.</summary>
internal static class FleetOptions
{
    public const string DbVariable = "TINYMLOPS_DB";
    public const string PostgresVariable = "TINYMLOPS_POSTGRES";

    public static Option<string> Db() => new("--db")
    {
        Description = $"SQLite database file (default: ${DbVariable} or tinymlops.db)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(DbVariable) is { Length: > 0 } v ? v : "tinymlops.db",
    };

    public static Option<string?> Postgres() => new("--postgres")
    {
        Description = $"PostgreSQL connection string; replaces SQLite (default: ${PostgresVariable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } v ? v : null,
    };

    public static async Task<IFleetStore> OpenAsync(string db, string? postgres, bool mustExist, CancellationToken cancellationToken)
    {
        if (postgres == null && mustExist && !File.Exists(db))
        {
            throw new FileNotFoundException($"no fleet database at {Path.GetFullPath(db)}: run `tinymlops serve` or `tinymlops demo` first, or pass --db");
        }

        return await FleetStoreFactory.OpenAsync(postgres, db, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"host:port" into its parts (port 1883 when omitted).</summary>
    public static (string Host, int Port) ParseBroker(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return (value, 1883);
        }

        if (!int.TryParse(value[(colon + 1)..], out int port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{value}' is not host:port");
        }

        return (value[..colon], port);
    }
}
