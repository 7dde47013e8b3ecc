using Spectre.Console;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Rendering;

/// <summary>Batch-1 latency of our C# and SIMD kernels against ONNX Runtime as a table and a bar chart: `bench` and `model pipeline`.</summary>
internal static class LatencyView
{
    public static void Render(IAnsiConsole console, IReadOnlyList<BenchmarkReport> reports)
    {
        if (reports.Count > 3)
        {
            RenderRows(console, reports);
            return;
        }

        // One column per model, so the table fits an 80-column terminal.
        var table = new Table().Title("batch-1 latency, one thread, same int8 model").AddColumn("figure");
        foreach (var r in reports)
        {
            table.AddColumn(new TableColumn($"{r.ModelId}/{r.VariantId}").RightAligned());
        }

        AddRow(table, reports, "MACs", r => r.Macs.ToString("N0"));
        AddRow(table, reports, "managed median µs", r => r.Ours.MedianMicroseconds.ToString("F1"));
        AddRow(table, reports, "SIMD median µs", r => r.Simd?.MedianMicroseconds.ToString("F1") ?? "n/a");
        AddRow(table, reports, "ONNX Runtime median µs", r => r.OnnxRuntime.MedianMicroseconds.ToString("F1"));
        AddRow(table, reports, "ratio managed / ORT", r => r.LatencyRatio.ToString("F2"));
        AddRow(table, reports, "ratio SIMD / ORT", r => r.Simd == null ? "n/a" : r.SimdRatio.ToString("F2"));
        AddRow(table, reports, "managed p95 µs", r => r.Ours.P95Microseconds.ToString("F1"));
        AddRow(table, reports, "SIMD p95 µs", r => r.Simd?.P95Microseconds.ToString("F1") ?? "n/a");
        AddRow(table, reports, "ONNX Runtime p95 µs", r => r.OnnxRuntime.P95Microseconds.ToString("F1"));
        AddRow(table, reports, "model bytes", r => r.ModelBytes.ToString("N0"));
        AddRow(table, reports, "ONNX bytes", r => r.OnnxBytes.ToString("N0"));
        AddRow(table, reports, "arena bytes", r => r.ArenaBytes.ToString("N0"));
        AddRow(table, reports, "top-1 agreement", r => r.TopOneAgreement.ToString("P2"));
        AddRow(table, reports, "SIMD bytes = managed", r => r.Simd == null ? "n/a" : r.SimdIdentical.ToString("P2"));
        console.Write(table);
        var chart = new BarChart().Label("median latency per inference (µs)").Width(70);
        foreach (var r in reports)
        {
            chart.AddItem($"{r.ModelId} managed", Math.Round(r.Ours.MedianMicroseconds, 1), Color.Green);
            if (r.Simd != null)
            {
                chart.AddItem($"{r.ModelId} SIMD", Math.Round(r.Simd.MedianMicroseconds, 1), Color.Yellow);
            }

            chart.AddItem($"{r.ModelId} ORT", Math.Round(r.OnnxRuntime.MedianMicroseconds, 1), Color.Blue);
        }

        console.Write(chart);
    }

    /// <summary>Many models: one row each with the medians and ratios only, so the table still fits 80 columns.</summary>
    private static void RenderRows(IAnsiConsole console, IReadOnlyList<BenchmarkReport> reports)
    {
        var table = new Table().Title("batch-1 median µs, one thread, same int8 model: C# (managed) kernels, SIMD kernels, ONNX Runtime")
            .AddColumns("model", "MACs", "C#", "SIMD", "ORT", "C# / ORT", "SIMD / ORT", "same bytes");
        foreach (var r in reports)
        {
            table.AddRow(
                r.ModelId,
                r.Macs.ToString("N0"),
                r.Ours.MedianMicroseconds.ToString("F1"),
                r.Simd?.MedianMicroseconds.ToString("F1") ?? "n/a",
                r.OnnxRuntime.MedianMicroseconds.ToString("F1"),
                r.LatencyRatio.ToString("F2"),
                r.Simd == null ? "n/a" : r.SimdRatio.ToString("F2"),
                r.Simd == null ? "n/a" : r.SimdIdentical.ToString("P0"));
        }

        console.Write(table);
    }

    private static void AddRow(Table table, IReadOnlyList<BenchmarkReport> reports, string figure, Func<BenchmarkReport, string> value)
    {
        table.AddRow([figure, .. reports.Select(value)]);
    }
}
