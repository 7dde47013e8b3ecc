using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Telemetry;

namespace TinyMLOps.Console.Rendering;

/// <summary>Operational telemetry drawn as tables: `fleet telemetry` and the lines of `device show`.</summary>
internal static class TelemetryView
{
    private const int BarCells = 12;

    public static Table Table(IReadOnlyList<TelemetryRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("operational telemetry vs cost model")
            .AddColumns("board", "variant", "devices", "inferences", "mean ms (est.)", "p50 / p95 ms")
            .AddColumn(new TableColumn("latency vs est.").NoWrap())
            .AddColumns("arena / working (est.)", "RAM (of board)", "min free heap", "energy / inf.")
            .AddColumn(new TableColumn("energy vs est.").NoWrap());
        foreach (var r in rows)
        {
            table.AddRow(
                TerminalText.Cell(r.BoardId.Length == 0 ? "-" : r.BoardId),
                TerminalText.Cell(r.VariantId),
                new Text(r.Devices.ToString(CultureInfo.InvariantCulture)),
                new Text(r.Inferences.ToString("N0", CultureInfo.InvariantCulture)),
                new Text($"{Ms(r.MeanLatencyMs)} ({(r.Estimate is { } e ? Ms(e.LatencyMs) : "n/a")})"),
                new Text($"{Ms(r.P50LatencyMs)} / {Ms(r.P95LatencyMs)}"),
                Bar(r.LatencyRatio),
                new Text($"{FleetView.Bytes(r.ArenaBytes)} / {FleetView.Bytes(r.WorkingBytes)}" + (r.Model is { } m ? $" ({FleetView.Bytes(m.WorkingBytes)})" : string.Empty)),
                new Text(r.RamBytes is { } ram ? $"{FleetView.Bytes(ram)}" + (r.RamShareOfBoard is { } share ? $" ({share:P0})" : string.Empty) : "n/a"),
                new Text(r.MinFreeHeapBytes < 0 ? "n/a" : FleetView.Bytes(r.MinFreeHeapBytes)),
                new Text(Energy(r)),
                Bar(r.EnergyRatio));
        }

        return table;
    }

    /// <summary>One device's telemetry lines for `device show`.</summary>
    public static IRenderable Device(IReadOnlyList<VariantTelemetryRecord> records)
    {
        var table = new Table().Border(TableBorder.Simple).Title("telemetry since boot, per variant")
            .AddColumns("variant", "boot", "inferences", "mean / p95 / max ms", "arena / working", "min free heap", "energy / inf.", "updated");
        foreach (var t in records.OrderBy(t => t.VariantId, StringComparer.Ordinal))
        {
            double mean = t.Inferences == 0 ? 0 : t.LatencySumMicros / (double)t.Inferences / 1000.0;
            double p95 = TelemetryReport.PercentileMicros(t.LatencyHistogram, 0.95, t.LatencyMaxMicros) / 1000.0;
            table.AddRow(
                TerminalText.Markup(t.VariantId),
                t.BootCount.ToString(CultureInfo.InvariantCulture),
                t.Inferences.ToString("N0", CultureInfo.InvariantCulture),
                $"{Ms(mean)} / {Ms(p95)} / {Ms(t.LatencyMaxMicros / 1000.0)}",
                $"{FleetView.Bytes(t.ArenaBytes)} / {FleetView.Bytes(t.WorkingBytes)}",
                t.MinFreeHeapBytes <= 0 ? "n/a" : FleetView.Bytes(t.MinFreeHeapBytes),
                t.Metered && t.Inferences > 0 ? $"{t.EnergyMicrojoules / (double)t.Inferences / 1000.0:0.###} mJ" : "not metered",
                t.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
        }

        return table;
    }

    /// <summary>A ratio as a bar over 0..2× with a mark at 1× and the figure: green within 10 %, yellow within 50 %, red beyond.</summary>
    public static IRenderable Bar(double? ratio)
    {
        if (ratio is not { } x || double.IsNaN(x))
        {
            return new Text("n/a");
        }

        int filled = (int)Math.Round(Math.Clamp(x, 0, 2) / 2 * BarCells);
        var cells = new char[BarCells];
        for (int i = 0; i < BarCells; i++)
        {
            cells[i] = i < filled ? '█' : (i == BarCells / 2 ? '│' : '·');
        }

        string colour = Math.Abs(x - 1) <= 0.10 ? "green" : Math.Abs(x - 1) <= 0.5 ? "yellow" : "red";
        return new Markup($"[{colour}]{new string(cells)}[/]{(x > 2 ? "▶" : " ")} {x.ToString("0.00", CultureInfo.InvariantCulture)}×");
    }

    private static string Energy(TelemetryRow r) => double.IsNaN(r.EnergyPerInferenceMj)
        ? "n/a"
        : $"{r.EnergyPerInferenceMj.ToString("0.###", CultureInfo.InvariantCulture)} mJ{(r.EnergyEstimated ? " (est.)" : " (metered)")}";

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}
