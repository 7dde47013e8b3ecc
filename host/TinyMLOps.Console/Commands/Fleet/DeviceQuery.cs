using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`fleet ls`'s filters, order and limit over the registry's devices (the tag expression and decommissioned devices are the Fleet layer's <see cref="TinyMLOps.Fleet.Devices.DeviceSelection"/>).</summary>
internal sealed record DeviceQuery(string? Fleet, string? Board, bool OnlineOnly, string Sort, int? Limit, string? Tag = null, bool All = false)
{
    public IReadOnlyList<DeviceRecord> Apply(IReadOnlyList<DeviceRecord> devices, DateTimeOffset now, TimeSpan onlineWindow)
    {
        IEnumerable<DeviceRecord> selected = devices
            .Where(d => Board == null || string.Equals(d.Board, Board, StringComparison.Ordinal))
            .Where(d => !OnlineOnly || FleetView.IsOnline(d, now, onlineWindow));
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
