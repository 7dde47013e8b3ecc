using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Queries;

/// <summary>`fleet ls`'s and GET /devices' filters and order over the registry's devices (the limit is the CLI's; the API pages).</summary>
public sealed record DeviceQuery(string? Fleet, string? Board, bool OnlineOnly, string Sort, int? Limit, string? Variant = null)
{
    /// <summary>The orders a list can take.</summary>
    public static readonly IReadOnlyList<string> Sorts = ["id", "last-seen", "board", "dropped", "outbox"];

    public IReadOnlyList<DeviceRecord> Apply(IReadOnlyList<DeviceRecord> devices, DateTimeOffset now, TimeSpan onlineWindow)
    {
        if (!Sorts.Contains(Sort, StringComparer.Ordinal))
        {
            throw new ArgumentException($"sort is one of {string.Join(", ", Sorts)}, not '{Sort}'");
        }

        IEnumerable<DeviceRecord> selected = devices
            .Where(d => Board == null || string.Equals(d.Board, Board, StringComparison.Ordinal))
            .Where(d => Variant == null || string.Equals(d.ModelId, Variant, StringComparison.Ordinal))
            .Where(d => !OnlineOnly || d.IsOnline(now, onlineWindow));
        var byId = StringComparer.Ordinal;
        selected = Sort switch
        {
            "last-seen" => selected.OrderByDescending(d => d.LastSeen ?? DateTimeOffset.MinValue).ThenBy(d => d.DeviceId, byId),
            "board" => selected.OrderBy(d => d.Board, byId).ThenBy(d => d.DeviceId, byId),
            "dropped" => selected.OrderByDescending(d => d.DroppedTotal).ThenBy(d => d.DeviceId, byId),
            "outbox" => selected.OrderByDescending(d => d.OutboxBytes).ThenBy(d => d.DeviceId, byId),
            _ => selected.OrderBy(d => d.DeviceId, byId),
        };
        return [.. selected.Take(Limit ?? int.MaxValue)];
    }
}
