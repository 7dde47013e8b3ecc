using TinyMLOps.Fleet.Devices;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Tags;

namespace TinyMLOps.Web.Queries;

/// <summary>
/// `fleet ls`'s and GET /devices' filters and order over the registry's devices (the limit is the CLI's; the API pages;
/// the tag expression and decommissioned devices are the Fleet layer's <see cref="TinyMLOps.Fleet.Devices.DeviceSelection"/>).
/// </summary>
public sealed record DeviceQuery(string? Fleet, string? Board, bool OnlineOnly, string Sort, int? Limit, string? Variant = null, string? Tag = null, bool All = false)
{
    /// <summary>The orders a list can take.</summary>
    public static readonly IReadOnlyList<string> Sorts = ["id", "last-seen", "board", "dropped", "outbox"];

    /// <summary>
    /// The devices this query selects (tag expression and decommissioned ones through the Fleet layer), filtered,
    /// ordered and limited, with each one's tags. A malformed expression is an ArgumentException with its position.
    /// </summary>
    public async Task<DeviceList> RunAsync(IFleetStore store, DateTimeOffset now, TimeSpan onlineWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        TagExpression? expression = TagExpression.ParseOptional(Tag);
        var directory = new DeviceDirectory(store, (id, token) => VariantDelivery.RunningVariantsAsync(store, id, token));
        IReadOnlyList<FleetDevice> selected = await directory.ListAsync(new DeviceSelection(Fleet, Board, expression, All), cancellationToken).ConfigureAwait(false);
        var tags = selected.ToDictionary(d => d.Device.DeviceId, d => d.Tags, StringComparer.Ordinal);
        return new DeviceList(Apply([.. selected.Select(d => d.Device)], now, onlineWindow), tags);
    }

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

/// <summary>Selected devices in their order, and every selected device's tags by id.</summary>
public sealed record DeviceList(IReadOnlyList<DeviceRecord> Devices, IReadOnlyDictionary<string, IReadOnlyList<string>> Tags)
{
    public IReadOnlyList<string> TagsOf(string deviceId) => Tags.TryGetValue(deviceId, out var tags) ? tags : [];
}
