using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Rendering;

/// <summary>PNG plots for docs/: training curves and the latency comparison.</summary>
internal static class Plots
{
    public static void TrainingCurves(string path, string title, IReadOnlyDictionary<string, TrainingResult> runs)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, run) in runs)
        {
            double[] epochs = run.Epochs.Select(e => (double)e.Epoch).ToArray();
            var train = plot.Add.Scatter(epochs, run.Epochs.Select(e => e.Accuracy * 100).ToArray());
            train.LegendText = $"{name} train";
            var held = plot.Add.Scatter(epochs, run.Epochs.Select(e => (e.ValidationAccuracy ?? double.NaN) * 100).ToArray());
            held.LegendText = $"{name} held-out";
            held.LinePattern = ScottPlot.LinePattern.Dashed;
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 800, 500);
    }

    public static void Latency(string path, IReadOnlyList<BenchmarkReport> reports)
    {
        var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        for (int i = 0; i < reports.Count; i++)
        {
            bars.Add(new ScottPlot.Bar { Position = (i * 4) + 0, Value = reports[i].Ours.MedianMicroseconds, FillColor = ScottPlot.Colors.SeaGreen });
            bars.Add(new ScottPlot.Bar { Position = (i * 4) + 1, Value = reports[i].Simd?.MedianMicroseconds ?? 0, FillColor = ScottPlot.Colors.Orange });
            bars.Add(new ScottPlot.Bar { Position = (i * 4) + 2, Value = reports[i].OnnxRuntime.MedianMicroseconds, FillColor = ScottPlot.Colors.SteelBlue });
            ticks.Add(new ScottPlot.Tick((i * 4) + 1, reports[i].ModelId));
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Title("batch-1 median latency (green: C# kernels, orange: SIMD kernels, blue: ONNX Runtime)");
        plot.YLabel("µs per inference");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 800, 500);
    }

    /// <summary>Accuracy against estimated latency on one board: the variants that fit, their Pareto front, and the ones that do not fit.</summary>
    public static void VariantPareto(string path, Selection selection)
    {
        var plot = new ScottPlot.Plot();
        var fit = selection.Lines.Where(l => l.FitsDevice).ToList();
        var misfit = selection.Lines.Where(l => !l.FitsDevice).ToList();
        if (fit.Count > 0)
        {
            var points = plot.Add.ScatterPoints(fit.Select(l => l.Cost.LatencyMs).ToArray(), fit.Select(l => l.Variant.Accuracy * 100).ToArray());
            points.LegendText = "fits";
            points.MarkerSize = 9;
            var front = Pareto(fit);
            var line = plot.Add.Scatter(front.Select(l => l.Cost.LatencyMs).ToArray(), front.Select(l => l.Variant.Accuracy * 100).ToArray());
            line.LegendText = "Pareto front";
            line.LinePattern = ScottPlot.LinePattern.Dashed;
            line.MarkerSize = 0;
        }

        if (misfit.Count > 0)
        {
            var points = plot.Add.ScatterPoints(misfit.Select(l => l.Cost.LatencyMs).ToArray(), misfit.Select(l => l.Variant.Accuracy * 100).ToArray());
            points.LegendText = "does not fit";
            points.MarkerShape = ScottPlot.MarkerShape.Eks;
            points.MarkerSize = 9;
        }

        foreach (var l in selection.Lines)
        {
            plot.Add.Text(l.Variant.VariantId, l.Cost.LatencyMs, l.Variant.Accuracy * 100).LabelFontSize = 11;
        }

        var budget = plot.Add.VerticalLine(selection.Policy.BatteryMaxLatencyMs);
        budget.LegendText = "battery latency budget";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic();
        double maxX = Math.Max(selection.Policy.BatteryMaxLatencyMs, selection.Lines.Max(l => l.Cost.LatencyMs));
        plot.Axes.SetLimitsX(0, maxX * 1.15);
        plot.Title($"{selection.Board.Id} ({selection.Board.ClockMhz} MHz): accuracy against estimated latency");
        plot.XLabel("estimated latency per inference (ms)");
        plot.YLabel("held-out accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 800, 500);
    }

    private static List<SelectionLine> Pareto(List<SelectionLine> lines)
    {
        var front = new List<SelectionLine>();
        foreach (var l in lines.OrderBy(l => l.Cost.LatencyMs))
        {
            if (front.Count == 0 || l.Variant.Accuracy > front[^1].Variant.Accuracy)
            {
                front.Add(l);
            }
        }

        return front;
    }
}

