using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Rendering;

/// <summary>PNG plots of the federated benchmark for docs/img.</summary>
internal static class FederatedPlots
{
    private static readonly ScottPlot.Color[] Palette =
    [
        ScottPlot.Colors.SeaGreen, ScottPlot.Colors.SteelBlue, ScottPlot.Colors.DarkOrange, ScottPlot.Colors.Purple,
        ScottPlot.Colors.Crimson, ScottPlot.Colors.Gray, ScottPlot.Colors.Olive, ScottPlot.Colors.Teal,
    ];

    /// <summary>Test accuracy against round: ours and Flower per α, and the centralized reference.</summary>
    public static void AccuracyRounds(string path, FederatedBenchmarkReport report)
    {
        var plot = new ScottPlot.Plot();
        int i = 0;
        foreach (var run in report.Runs.Where(r => !r.Spec.Poisoned && r.Spec.Strategy == FederatedRunSpec.FedAvg))
        {
            var line = plot.Add.Scatter(run.Rounds.Select(r => (double)r.Round).ToArray(), run.Rounds.Select(r => r.Accuracy * 100).ToArray());
            Style(line, run, Palette[i++ % Palette.Length]);
        }

        var central = plot.Add.HorizontalLine(report.Centralized.Final * 100);
        central.LegendText = $"centralized ({report.Centralized.Final * 100:F1}%)";
        central.LinePattern = ScottPlot.LinePattern.Dotted;
        central.Color = ScottPlot.Colors.Black;
        plot.Title($"federated head, {report.Options.Devices} devices, {report.Options.PerRound} a round");
        plot.XLabel("round");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 500);
    }

    /// <summary>Test accuracy against cumulative uplink bytes (log x): ours and Flower per α.</summary>
    public static void AccuracyBytes(string path, FederatedBenchmarkReport report)
    {
        var plot = new ScottPlot.Plot();
        int i = 0;
        foreach (var run in report.Runs.Where(r => !r.Spec.Poisoned && r.Spec.Strategy == FederatedRunSpec.FedAvg))
        {
            var line = plot.Add.Scatter(run.Rounds.Select(r => Math.Log10(r.CumulativeBytes)).ToArray(), run.Rounds.Select(r => r.Accuracy * 100).ToArray());
            Style(line, run, Palette[i++ % Palette.Length]);
        }

        foreach (var c in report.Comparisons)
        {
            var target = plot.Add.HorizontalLine(c.BaselineFinal * 100);
            target.LinePattern = ScottPlot.LinePattern.Dotted;
            target.Color = ScottPlot.Colors.Gray;
            target.LegendText = $"Flower final, α={c.Alpha:0.###}";
        }

        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => v == Math.Round(v) ? FormatBytes(Math.Pow(10, v)) : string.Empty,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Title("accuracy against cumulative uplink bytes (all devices)");
        plot.XLabel("cumulative uplink bytes (log scale)");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 500);
    }

    /// <summary>Final accuracy per strategy, clean and poisoned, as grouped bars.</summary>
    public static void Poisoning(string path, FederatedBenchmarkReport report)
    {
        var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        var lines = report.Poisoning;
        for (int i = 0; i < lines.Count; i++)
        {
            var p = lines[i];
            bars.Add(new ScottPlot.Bar { Position = (i * 3) + 0, Value = p.CleanFinal * 100, FillColor = ScottPlot.Colors.SeaGreen, Label = $"{p.CleanFinal * 100:F1}" });
            bars.Add(new ScottPlot.Bar { Position = (i * 3) + 1, Value = p.PoisonedFinal * 100, FillColor = ScottPlot.Colors.Crimson, Label = $"{p.PoisonedFinal * 100:F1}" });
            ticks.Add(new ScottPlot.Tick((i * 3) + 0.5, $"{p.Strategy} ({-p.LossPoints:+0.0;−0.0;±0.0} pt)"));
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "clean", FillColor = ScottPlot.Colors.SeaGreen });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"{report.Options.PoisonFraction * 100:0}% poisoners (sign flip ×{report.Options.PoisonScale:0})", FillColor = ScottPlot.Colors.Crimson });
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        double low = Math.Max(0, (Math.Floor(lines.Min(p => Math.Min(p.CleanFinal, p.PoisonedFinal)) * 10) * 10) - 10);
        plot.Axes.SetLimitsY(low, 100);
        plot.Title($"final accuracy under poisoning (α={report.Options.PoisonAlpha:0.###}, ours, mean of last {report.Window} rounds)");
        plot.YLabel("test accuracy (%)");
        plot.SavePng(path, 800, 500);
    }

    private static void Style(ScottPlot.Plottables.Scatter line, FederatedRunResult run, ScottPlot.Color color)
    {
        line.LegendText = run.Spec.Encoding == UpdateEncoding.Int8TopK ? $"{run.Spec.Name} (int8 top-k)" : $"{run.Spec.Name} (float32 .npy)";
        line.Color = color;
        line.MarkerSize = 0;
        line.LineWidth = 1.5f;
        if (run.Spec.Encoding == UpdateEncoding.FlowerFloat32)
        {
            line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
    }

    private static string FormatBytes(double bytes) => bytes switch
    {
        >= 1e9 => $"{bytes / 1e9:0.#} GB",
        >= 1e6 => $"{bytes / 1e6:0.#} MB",
        >= 1e3 => $"{bytes / 1e3:0.#} kB",
        _ => $"{bytes:0} B",
    };
}
