using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Pages.Devices;

/// <summary>/devices: the registry with `fleet ls`'s filters and order (<see cref="DeviceQuery"/>) and a fleet choice.</summary>
public sealed class IndexModel(IFleetStore store, IOptions<SyncOptions> options) : PageModel
{
    public string? Fleet { get; private set; }

    public string? Board { get; private set; }

    public bool Online { get; private set; }

    public string Sort { get; private set; } = "id";

    public int Limit { get; private set; }

    public int Matching { get; private set; }

    public IReadOnlyList<string> Fleets { get; private set; } = [];

    public IReadOnlyList<string> Boards { get; private set; } = [];

    public IReadOnlyList<DeviceJson> Devices { get; private set; } = [];

    public async Task OnGetAsync(string? fleet, string? board, bool online, string? sort, int? limit, CancellationToken ct)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        TimeSpan window = options.Value.OnlineWindow;
        Fleet = string.IsNullOrEmpty(fleet) ? null : fleet;
        Board = string.IsNullOrEmpty(board) ? null : board;
        Online = online;
        Sort = sort != null && DeviceQuery.Sorts.Contains(sort) ? sort : "id";
        Limit = Math.Clamp(limit ?? 200, 1, 5000);
        var all = await store.ListDevicesAsync(null, ct);
        Fleets = [.. all.Select(d => d.Fleet).Distinct().Order(StringComparer.Ordinal)];
        Boards = [.. all.Select(d => d.Board).Distinct().Order(StringComparer.Ordinal)];
        var list = new DeviceQuery(Fleet, Board, Online, Sort, null).Apply([.. all.Where(d => Fleet == null || d.Fleet == Fleet)], now, window);
        Matching = list.Count;
        Devices = [.. list.Take(Limit).Select(d => DeviceJson.Of(d, now, window))];
    }
}
