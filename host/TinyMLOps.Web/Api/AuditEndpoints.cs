using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Api;

/// <summary>The audit log (admin), newest first; the cursor is the id to continue below.</summary>
public static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder audit) =>
        audit.MapGet("/", ListAsync).WithSummary("Every write through the API and the console: who, when, what, and its status");

    private static async Task<Page<AuditRecord>> ListAsync(IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        (int before, int take) = Paging.Parse(limit, cursor);
        IReadOnlyList<AuditRecord> rows = await store.AuditAsync(take + 1, before == 0 ? null : before, cancellationToken).ConfigureAwait(false);
        var items = rows.Take(take).ToList();
        return new Page<AuditRecord>(items, rows.Count > take ? Paging.EncodeCursor(items[^1].AuditId) : null);
    }
}
