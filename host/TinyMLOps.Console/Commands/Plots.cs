using TinyMLOps.Host.Benchmarks;
using TinyMLOps.Host.Training;

namespace TinyMLOps.Console.Commands;

/// <summary>PNG plots for docs/: training curves and the latency comparison.</summary>
internal static class Plots
{
    public static void TrainingCurves(string path, IReadOnlyDictionary<string, TrainingResult> runs)
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

        plot.Title("Fashion-MNIST float training");
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
            bars.Add(new ScottPlot.Bar { Position = (i * 3) + 0, Value = reports[i].Ours.MedianMicroseconds, FillColor = ScottPlot.Colors.SeaGreen });
            bars.Add(new ScottPlot.Bar { Position = (i * 3) + 1, Value = reports[i].OnnxRuntime.MedianMicroseconds, FillColor = ScottPlot.Colors.SteelBlue });
            ticks.Add(new ScottPlot.Tick((i * 3) + 0.5, reports[i].ModelId));
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Title("batch-1 median latency (green: TinyMLOps, blue: ONNX Runtime)");
        plot.YLabel("µs per inference");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 800, 500);
    }
}
