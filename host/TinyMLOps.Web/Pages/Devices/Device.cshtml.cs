using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Devices;

/// <summary>
/// /devices/ID: one device with its tags, telemetry over time, drift against the reference, meter chain, variants, rollouts
/// and consent; operators change its tags, admins decommission it (the same calls as the API).
/// </summary>
public sealed class DeviceModel(IFleetStore store, IOptions<SyncOptions> options, DriftView drift) : PageModel
{
    private const int Heartbeats = 500;

    public DeviceJson Device { get; private set; } = null!;

    public Chart Power { get; private set; } = null!;

    public Chart Work { get; private set; } = null!;

    public Chart Drift { get; private set; } = null!;

    /// <summary>The device's windows with their scores against the reference, oldest first, and its open alert.</summary>
    public DeviceDrift? DriftState { get; private set; }

    public MeterDeviceState? Meter { get; private set; }

    public IReadOnlyList<MeterReceiptRecord> Receipts { get; private set; } = [];

    public int ReceiptCount { get; private set; }

    public ExtractionSuspectRecord? Suspect { get; private set; }

    public IReadOnlyList<VariantTelemetryRecord> Variants { get; private set; } = [];

    public IReadOnlyList<RolloutDeviceRecord> Rollouts { get; private set; } = [];

    public IReadOnlyList<DeviceConsentRecord> Consent { get; private set; } = [];

    public bool CanTag => AccessPolicies.Level(User) >= ApiRole.Operator;

    public bool CanDecommission => AccessPolicies.Level(User) >= ApiRole.Admin;

    /// <summary>What the last action did (or why it was refused), shown once after the redirect.</summary>
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string deviceId, string? done, CancellationToken ct)
    {
        if (await store.GetDeviceAsync(deviceId, ct) is not { } device)
        {
            return NotFound();
        }

        Done = done;
        Device = DeviceJson.Of(device, DateTimeOffset.UtcNow, options.Value.OnlineWindow, await store.DeviceTagsAsync(deviceId, ct));
        var beats = (await store.MessagesAsync(deviceId, MessageKind.Heartbeat, 5000, ct))
            .OrderBy(m => m.Sequence)
            .Select(m => (At: (double)m.DeviceTimestamp, Beat: HeartbeatPayload.Decode(m.Payload)))
            .ToList();
        // Every n-th heartbeat keeps the chart light on long histories; the last one always shows.
        int every = Math.Max(1, (beats.Count + Heartbeats - 1) / Heartbeats);
        beats = [.. beats.Where((_, i) => i % every == 0 || i == beats.Count - 1)];
        double[] x = [.. beats.Select(b => b.At)];
        Power = new Chart("power-chart", "Battery and outbox over time (device clock)", "Time (UTC)", "percent / entries")
        {
            X = x,
            Series =
            [
                new ChartSeries("battery %", [.. beats.Select(b => b.Beat.BatteryPercent is >= 0 and <= 100 ? (double?)b.Beat.BatteryPercent : null)]),
                new ChartSeries("outbox entries", [.. beats.Select(b => (double?)b.Beat.OutboxEntries)]),
            ],
        };
        Work = new Chart("work-chart", "Inferences and reboots over time (cumulative)", "Time (UTC)", "count")
        {
            X = x,
            Series =
            [
                new ChartSeries("inferences", [.. beats.Select(b => (double?)b.Beat.Inferences)]),
                new ChartSeries("boots", [.. beats.Select(b => (double?)b.Beat.BootCount)]),
            ],
        };
        DriftState = (await drift.Analyzer().DevicesAsync(store, new DriftWindowQuery { DeviceId = deviceId }, ct)).SingleOrDefault();
        var scored = DriftState?.Windows.Where(w => w.Score.Scored).ToList() ?? [];
        // Windows are placed by when the host received them: a window's start is on the device's own clock.
        Drift = new Chart("drift-chart", "Drift against the reference profile per window (PSI; dashed: the threshold)", "Received (UTC)", "PSI")
        {
            X = [.. scored.Select(w => (double)w.Record.ReceivedAt.ToUnixTimeSeconds())],
            Threshold = scored.Count > 0 ? scored[0].Score.Threshold : null,
            Series =
            [
                new ChartSeries("input PSI (worst group)", [.. scored.Select(w => Finite(w.Score.Groups[w.Score.WorstGroup].Psi))]),
                new ChartSeries("class PSI", [.. scored.Select(w => Finite(w.Score.Classes.Psi))]),
                new ChartSeries("confidence PSI", [.. scored.Select(w => Finite(w.Score.Confidence.Psi))]),
            ],
        };
        Meter = (await store.MeterDevicesAsync(ct)).FirstOrDefault(m => m.DeviceId == deviceId);
        var receipts = await store.MeterReceiptsAsync(deviceId, ct);
        ReceiptCount = receipts.Count;
        Receipts = [.. receipts.OrderByDescending(r => r.ReceiptSeq).Take(20)];
        Suspect = await store.GetExtractionSuspectAsync(deviceId, ct);
        Variants = await store.VariantTelemetryAsync(new VariantTelemetryQuery { DeviceId = deviceId }, ct);
        Rollouts = await store.DeviceRolloutsAsync(deviceId, ct);
        Consent = await store.ConsentAsync(deviceId, ct);
        return Page();
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Adds and removes tags (space- or comma-separated); operators and admins only. A bad tag comes back as the page's one line.</summary>
    public async Task<IActionResult> OnPostTagsAsync(string deviceId, string? add, string? remove, CancellationToken ct)
    {
        if (!CanTag)
        {
            return Forbid();
        }

        string[] adding = Words(add), removing = Words(remove);
        try
        {
            if (await DeviceOperations.TagAsync(store, deviceId, adding, removing, ct) is not { } tags)
            {
                return NotFound();
            }

            AuditMiddleware.Detail(HttpContext, DeviceOperations.TagLine(deviceId, adding, removing, tags));
            return RedirectToPage(new { deviceId, done = "tags saved" });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return RedirectToPage(new { deviceId, done = e.Message });
        }
    }

    /// <summary>Decommissions the device once the admin ticked the confirmation; admins only.</summary>
    public async Task<IActionResult> OnPostDecommissionAsync(string deviceId, string? reason, bool confirm, CancellationToken ct)
    {
        if (!CanDecommission)
        {
            return Forbid();
        }

        if (!confirm)
        {
            return RedirectToPage(new { deviceId, done = "tick the confirmation to decommission" });
        }

        try
        {
            var change = await DeviceOperations.DecommissionAsync(store, deviceId, reason, ct);
            if (change == null)
            {
                return NotFound();
            }

            if (!change.Changed)
            {
                return RedirectToPage(new { deviceId, done = $"{deviceId} was already decommissioned" });
            }

            AuditMiddleware.Detail(HttpContext, DeviceOperations.DecommissionLine(change.Record));
            return RedirectToPage(new { deviceId, done = "decommissioned" });
        }
        catch (ArgumentException e)
        {
            return RedirectToPage(new { deviceId, done = e.Message });
        }
    }

    private static string[] Words(string? text) =>
        (text ?? string.Empty).Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
