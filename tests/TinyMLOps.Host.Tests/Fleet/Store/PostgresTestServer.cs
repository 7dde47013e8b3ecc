using Npgsql;

namespace TinyMLOps.Host.Tests.Fleet.Store;

/// <summary>The PostgreSQL server of the store tests: TINYMLOPS_TEST_POSTGRES, or the local default; "skip" skips them.</summary>
internal static class PostgresTestServer
{
    public const string Variable = "TINYMLOPS_TEST_POSTGRES";

    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=tinymlops;Password=tinymlops;Database=tinymlops";

    private static readonly Lazy<Task<string?>> Unreachable = new(ProbeAsync);

    public static bool SkipRequested => string.Equals(Environment.GetEnvironmentVariable(Variable)?.Trim(), "skip", StringComparison.Ordinal);

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value && !SkipRequested ? value : DefaultConnectionString;

    /// <summary>Fails the calling test with directions when the server cannot be reached (probed once per run).</summary>
    public static async Task EnsureReachableAsync()
    {
        if (await Unreachable.Value.ConfigureAwait(false) is { } why)
        {
            throw new InvalidOperationException(why);
        }
    }

    private static async Task<string?> ProbeAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 15, Pooling = false };
        Exception? last = null;

        // The probe's answer holds for the whole run, so a server slow to answer on a loaded machine gets three tries.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync().ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                last = e;
                if (attempt < 2)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                }
            }
        }

        return $"""
            The PostgreSQL store tests need a server at Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username} ({last!.Message}).
            Start one, e.g.
              sudo service postgresql start && sudo -u postgres psql -c "CREATE ROLE tinymlops LOGIN PASSWORD 'tinymlops'" -c "CREATE DATABASE tinymlops OWNER tinymlops"
            or
              docker run -d --name tinymlops-pg -p 5432:5432 -e POSTGRES_USER=tinymlops -e POSTGRES_PASSWORD=tinymlops -e POSTGRES_DB=tinymlops postgres:16
            point {Variable} at another server (an Npgsql connection string), or set {Variable}=skip to skip these tests.
            """;
    }
}
