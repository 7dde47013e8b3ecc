using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Drift;

/// <summary>/drift: each cohort (fleet, board, variant, firmware) scored against its reference, with its devices' latest windows and alerts as the evidence.</summary>
public sealed class IndexModel(IFleetStore store, DriftView drift) : PageModel
{
    public IReadOnlyList<(CohortDrift Cohort, IReadOnlyList<DeviceDrift> Devices)> Cohorts { get; private set; } = [];

    public int MinDevices { get; private set; }

    public Chart Chart { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        var analyzer = drift.Analyzer();
        MinDevices = analyzer.Options.MinCohortDevices;
        var devices = await analyzer.DevicesAsync(store, new DriftWindowQuery(), ct);
        Cohorts = [.. analyzer.Cohorts(devices).Select(c => (c, (IReadOnlyList<DeviceDrift>)[.. devices.Where(d => c.Key.Contains(d.Windows[^1].Record)).OrderByDescending(d => d.Alert != null).ThenBy(d => d.DeviceId, StringComparer.Ordinal)]))];
        var shown = Cohorts.Where(c => c.Cohort.Shown && c.Cohort.Score is { Scored: true }).ToList();
        Chart = new Chart("cohort-chart", "Each cohort's pooled latest windows against its reference (PSI)", "Cohort", "PSI")
        {
            Kind = "bars",
            Categories = [.. shown.Select(c => $"{c.Cohort.Key.Board ?? "*"} {c.Cohort.Key.VariantId}")],
            X = [.. shown.Select((_, i) => (double)i)],
            Series = shown.Count == 0 ? [] :
            [
                new ChartSeries("input PSI (worst group)", [.. shown.Select(c => (double?)c.Cohort.Score!.Groups[c.Cohort.Score.WorstGroup].Psi)]),
                new ChartSeries("class PSI", [.. shown.Select(c => (double?)c.Cohort.Score!.Classes.Psi)]),
            ],
        };
    }
}
