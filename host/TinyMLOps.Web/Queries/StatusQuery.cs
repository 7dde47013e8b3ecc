using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>The fleet totals and recent rejects `status` prints and GET /api/v1/status answers.</summary>
public static class StatusQuery
{
    public static async Task<(FleetCounts Counts, IReadOnlyList<RejectRecord> Rejects)> ReadAsync(IFleetStore store, TimeSpan onlineWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var counts = await store.CountsAsync(DateTimeOffset.UtcNow - onlineWindow, cancellationToken).ConfigureAwait(false);
        var rejects = await store.RejectsAsync(10, cancellationToken).ConfigureAwait(false);
        return (counts, rejects);
    }

    public static async Task<StatusJson> JsonAsync(IFleetStore store, string storeName, TimeSpan onlineWindow, CancellationToken cancellationToken)
    {
        var (counts, rejects) = await ReadAsync(store, onlineWindow, cancellationToken).ConfigureAwait(false);
        return StatusJson.Of(storeName, counts, rejects);
    }

    /// <summary>Which store: "SQLite /full/path" or "PostgreSQL" (never its connection string).</summary>
    public static string Describe(IFleetStore store, string sqlitePath)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Engine == "sqlite" ? $"SQLite {Path.GetFullPath(sqlitePath)}" : "PostgreSQL";
    }
}
