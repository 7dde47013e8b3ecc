using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages;

/// <summary>The fleet at a glance: devices online, per board and per model, and what needs a look (drift, suspects, failed rollouts).</summary>
public sealed class IndexModel(IFleetStore store, IOptions<SyncOptions> options, DriftView drift) : PageModel
{
    public int Devices { get; private set; }

    public int Online { get; private set; }

    public IReadOnlyList<(string Name, int Total, int Online)> Boards { get; private set; } = [];

    public IReadOnlyList<(string Name, int Total, int Online)> Models { get; private set; } = [];

    /// <summary>Devices with an open drift alert (drifted windows in a row against the reference profile).</summary>
    public IReadOnlyList<DeviceDrift> DriftAlerts { get; private set; } = [];

    public IReadOnlyList<ExtractionSuspectRecord> Suspects { get; private set; } = [];

    public IReadOnlyList<RolloutRecord> FailedRollouts { get; private set; } = [];

    public Chart BoardChart { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        TimeSpan window = options.Value.OnlineWindow;
        var devices = await store.ListDevicesAsync(null, ct);
        Devices = devices.Count;
        Online = devices.Count(d => d.IsOnline(now, window));
        Boards = Group(devices, d => d.Board, now, window);
        Models = Group(devices, d => d.ModelId.Length == 0 ? "(none)" : $"{d.ModelId} v{d.ModelVersion}", now, window);
        DriftAlerts = [.. (await drift.Analyzer().DevicesAsync(store, new DriftWindowQuery(), ct)).Where(d => d.Alert != null).OrderBy(d => d.DeviceId, StringComparer.Ordinal)];
        Suspects = [.. (await store.ExtractionSuspectsAsync(ct)).Where(s => s.Flagged)];
        FailedRollouts = [.. (await store.ListRolloutsAsync(false, ct)).Where(r => r.State is RolloutStates.RollingBack or RolloutStates.RolledBack).Take(10)];
        BoardChart = new Chart("boards-chart", "Devices per board, online and offline", "Board", "devices")
        {
            Kind = "bars",
            Categories = [.. Boards.Select(b => b.Name)],
            X = [.. Boards.Select((_, i) => (double)i)],
            Series =
            [
                new ChartSeries("online", [.. Boards.Select(b => (double?)b.Online)]),
                new ChartSeries("offline", [.. Boards.Select(b => (double?)(b.Total - b.Online))]),
            ],
        };
    }

    private static IReadOnlyList<(string, int, int)> Group(IReadOnlyList<DeviceRecord> devices, Func<DeviceRecord, string> key, DateTimeOffset now, TimeSpan window) =>
        [.. devices.GroupBy(key).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count(), g.Count(d => d.IsOnline(now, window))))];
}
