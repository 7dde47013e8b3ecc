using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Drift;

/// <summary>/drift: each cohort (fleet, board, variant) by its devices' latest scored windows, with the windows as evidence.</summary>
public sealed class IndexModel(IFleetStore store) : PageModel
{
    public sealed record Cohort(string Fleet, string Board, string Variant, IReadOnlyList<DriftWindowRecord> Latest)
    {
        public int Drifted => Latest.Count(w => w.Drifted);

        public double MeanInputPsi => Latest.Average(w => w.InputPsi);

        public double MeanClassPsi => Latest.Average(w => w.ClassPsi);
    }

    public IReadOnlyList<Cohort> Cohorts { get; private set; } = [];

    public Chart Chart { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        var latest = (await store.DriftWindowsAsync(new DriftWindowQuery(), ct))
            .Where(w => w.Scored && double.IsFinite(w.InputPsi) && double.IsFinite(w.ClassPsi))
            .GroupBy(w => w.DeviceId)
            .Select(g => g.MaxBy(w => w.Sequence)!);
        Cohorts = [.. latest
            .GroupBy(w => (w.Fleet, w.Board, w.VariantId))
            .OrderBy(g => g.Key.Fleet, StringComparer.Ordinal).ThenBy(g => g.Key.Board, StringComparer.Ordinal).ThenBy(g => g.Key.VariantId, StringComparer.Ordinal)
            .Select(g => new Cohort(g.Key.Fleet, g.Key.Board, g.Key.VariantId, [.. g.OrderByDescending(w => w.InputPsi)]))];
        Chart = new Chart("cohort-chart", "Mean PSI of each cohort's latest windows", "Cohort", "PSI")
        {
            Kind = "bars",
            Categories = [.. Cohorts.Select(c => $"{c.Board} {c.Variant}")],
            X = [.. Cohorts.Select((_, i) => (double)i)],
            Series = Cohorts.Count == 0 ? [] :
            [
                new ChartSeries("input PSI", [.. Cohorts.Select(c => (double?)c.MeanInputPsi)]),
                new ChartSeries("class PSI", [.. Cohorts.Select(c => (double?)c.MeanClassPsi)]),
            ],
        };
    }
}
