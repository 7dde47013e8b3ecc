using TinyMLOps.Fleet.Drift;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Rendering;

/// <summary>PNG of reference (grey) against observed (orange) proportions: the worst input region's bins, then the classes, then the confidences.</summary>
internal static class DriftPlot
{
    public static void Save(string path, string title, DriftProfile profile, DriftHistograms observed, WindowScore score)
    {
        var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        double x = 0;
        void Part(string name, uint[] reference, uint[] seen)
        {
            double rt = Math.Max(1, reference.Sum(c => (double)c)), ot = Math.Max(1, seen.Sum(c => (double)c));
            ticks.Add(new ScottPlot.Tick(x + reference.Length, name));
            for (int i = 0; i < reference.Length; i++)
            {
                bars.Add(new ScottPlot.Bar { Position = x, Value = 100 * reference[i] / rt, FillColor = ScottPlot.Colors.Gray, Size = 0.9 });
                bars.Add(new ScottPlot.Bar { Position = x + 1, Value = 100 * seen[i] / ot, FillColor = ScottPlot.Colors.Orange, Size = 0.9 });
                x += 2.5;
            }

            x += 4;
        }

        int g = score.WorstGroup;
        Part($"region #{g} bins (PSI {score.Groups[g].Psi:0.00})", DriftHistograms.Of(profile).Group(g, profile.InputBins), observed.Group(g, profile.InputBins));
        Part($"classes (PSI {score.Classes.Psi:0.00})", profile.ClassCounts, observed.Classes);
        Part($"confidence (PSI {score.Confidence.Psi:0.00})", profile.ConfidenceCounts, observed.Confidence);
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Title($"drift of {title}: reference (grey) vs observed (orange), {observed.Samples:N0} samples");
        plot.YLabel("% of histogram");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 1000, 500);
    }

    /// <summary>Detection delay distribution per epsilon: shifted devices by the window (after the shift) that raised their alert.</summary>
    public static void Delays(string path, IReadOnlyList<DriftBenchmarkReport> reports)
    {
        var plot = new ScottPlot.Plot();
        int maxDelay = reports.Max(r => r.Options.WindowsAfter);
        var colors = new[] { ScottPlot.Colors.SteelBlue, ScottPlot.Colors.Orange, ScottPlot.Colors.SeaGreen, ScottPlot.Colors.Gray };
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        double width = 0.8 / reports.Count;
        for (int k = 1; k <= maxDelay + 1; k++)
        {
            ticks.Add(new ScottPlot.Tick(k, k <= maxDelay ? $"{k}" : "never"));
            for (int i = 0; i < reports.Count; i++)
            {
                int key = k <= maxDelay ? k : 0;
                double share = 100.0 * reports[i].DelayHistogram.GetValueOrDefault(key) / Math.Max(1, reports[i].Shifted.Count());
                bars.Add(new ScottPlot.Bar { Position = k - 0.4 + (width * (i + 0.5)), Value = share, Size = width * 0.9, FillColor = colors[i % colors.Length] });
            }
        }

        plot.Add.Bars(bars);
        for (int i = 0; i < reports.Count; i++)
        {
            var e = reports[i].Options.Epsilon;
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = e == 0 ? "no noise" : $"epsilon {e:0.##}", FillColor = colors[i % colors.Length] });
        }

        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Title($"drift detection delay ({reports[0].Options.Devices} devices, {reports[0].Shifted.Count()} shifted)");
        plot.XLabel("hourly windows after the shift until the alert");
        plot.YLabel("% of shifted devices");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 800, 450);
    }
}
