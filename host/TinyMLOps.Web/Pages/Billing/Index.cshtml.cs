using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Billing;

/// <summary>/billing: metered usage per customer and device (a CSV to download), and the extraction suspects.</summary>
public sealed class IndexModel(IFleetStore store) : PageModel
{
    public IReadOnlyList<MeterUsageRow> Usage { get; private set; } = [];

    public IReadOnlyList<(string Customer, long Inferences, long Receipts, int Devices)> Customers { get; private set; } = [];

    public IReadOnlyList<ExtractionSuspectRecord> Suspects { get; private set; } = [];

    public Chart Chart { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        Usage = await store.MeterUsageAsync(new MeterUsageQuery(), ct);
        Customers = [.. Usage.GroupBy(u => u.Customer).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Where(u => u.Status == "accepted").Sum(u => u.Inferences), g.Sum(u => u.Receipts), g.Select(u => u.DeviceId).Distinct().Count()))];
        Suspects = [.. (await store.ExtractionSuspectsAsync(ct)).OrderByDescending(s => s.Score)];
        var devices = Usage.GroupBy(u => u.DeviceId).OrderByDescending(g => g.Sum(u => u.Inferences)).Take(30).ToList();
        Chart = new Chart("usage-chart", "Billed inferences per device (top 30)", "Device", "inferences")
        {
            Kind = "bars",
            Categories = [.. devices.Select(g => g.Key)],
            X = [.. devices.Select((_, i) => (double)i)],
            Series = devices.Count == 0 ? [] : [new ChartSeries("inferences", [.. devices.Select(g => (double?)g.Where(u => u.Status == "accepted").Sum(u => u.Inferences))])],
        };
    }

    /// <summary>The usage as CSV (customer, fleet, device, model, status, receipts, inferences, grace).</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken ct)
    {
        var csv = new StringBuilder("customer,fleet,device,model,status,receipts,inferences,grace_inferences\n");
        foreach (var u in await store.MeterUsageAsync(new MeterUsageQuery(), ct))
        {
            csv.AppendLine(string.Join(',', Cell(u.Customer), Cell(u.Fleet), Cell(u.DeviceId), Cell(u.ModelId), Cell(u.Status),
                u.Receipts.ToString(CultureInfo.InvariantCulture), u.Inferences.ToString(CultureInfo.InvariantCulture), u.GraceInferences.ToString(CultureInfo.InvariantCulture)));
        }

        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", "usage.csv");
    }

    // Quoted, and a leading = + - @ neutralised so a spreadsheet does not run a device-supplied formula.
    private static string Cell(string v) => "\"" + (v.Length > 0 && "=+-@".Contains(v[0]) ? "'" + v : v).Replace("\"", "\"\"") + "\"";
}
