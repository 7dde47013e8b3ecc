using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench drift`: the evaluation at fleet scale, with and without the default upload noise.</summary>
internal static class BenchDriftCommand
{
    /// <summary>`bench drift`: the evaluation at fleet scale, with and without the default upload noise.</summary>
    public static Command Build(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices") { Description = "virtual devices", DefaultValueFactory = _ => 500 };
        var epsilons = new Option<double[]>("--epsilon") { Description = "upload noise epsilons to run (0 = none)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [0, Firmware.Core.Drift.DriftOptions.DefaultEpsilon] };
        var model = new Option<FileInfo?>("--model") { Description = "an int8 model with a drift profile (default: build the task's first family member of width 0.5 with `variant build`'s pipeline on 20,000 samples, 2 epochs)" };
        var plot = new Option<FileInfo?>("--plot") { Description = "detection delay plot (PNG), e.g. docs/img/drift-delays.png" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 2025 };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("drift", "Drift detection in a virtual fleet on a task's held-out images: detection rate, false alarms, delays, uplink bytes") { devices, epsilons, model, plot, seed, task, data };
        command.SetAction(parse =>
        {
            TaskDefinition definition = Options.TaskOf(parse, task);
            bool build = parse.GetValue(model) == null;
            TaskSplits splits = definition.Load(new TaskLoadOptions { Data = parse.GetValue(data), TrainLimit = build ? BenchModel.TrainSamples : 0 });
            ImageDataset test = BenchModel.Images(definition, splits.HeldOut);
            byte[] file;
            if (parse.GetValue(model) is { } path)
            {
                file = File.ReadAllBytes(path.FullName);
            }
            else
            {
                file = BenchModel.Build(console, definition, splits, definition.Family.FirstOrDefault(s => s.Width == 0.5) ?? definition.Family[0]);
            }

            var reports = new List<DriftBenchmarkReport>();
            foreach (double epsilon in parse.GetValue(epsilons)!)
            {
                var options = new DriftBenchmarkOptions { Devices = parse.GetValue(devices), Epsilon = epsilon, Seed = parse.GetValue(seed) };
                var report = DriftBenchmark.Run(file, test, options, new Progress<string>(m => { }));
                reports.Add(report);
                RenderBench(console, report);
            }

            if (parse.GetValue(plot) is { } png)
            {
                DriftPlot.Delays(png.FullName, reports);
                console.MarkupLineInterpolated($"plot in {png.FullName}");
            }

            return reports.All(r => r.DetectionRate >= 0.95 && r.FalseAlarmRate <= 0.01) ? 0 : 2;
        });
        return command;
    }

    public static void RenderBench(IAnsiConsole console, DriftBenchmarkReport r)
    {
        var o = r.Options;
        console.MarkupLineInterpolated($"[bold]epsilon {(o.Epsilon == 0 ? "none" : o.Epsilon.ToString("0.##", CultureInfo.InvariantCulture))}[/]: {o.Devices} devices, {o.WindowsBefore} clean hourly windows then {o.WindowsAfter} shifted, {r.Shifted.Count()} shifted ({r.Shifted.Count(d => d.Shift!.IsCovariate)} covariate, {r.Shifted.Count(d => !d.Shift!.IsCovariate)} label), {r.Seconds:0.0} s");
        var table = new Table().AddColumns("figure", "value");
        table.AddRow("shifted devices detected within 3 windows", r.DetectionRate.ToString("P1", CultureInfo.InvariantCulture));
        table.AddRow("  covariate / label", $"{r.CovariateDetectionRate.ToString("P1", CultureInfo.InvariantCulture)} / {r.LabelDetectionRate.ToString("P1", CultureInfo.InvariantCulture)}");
        table.AddRow("false alarms, clean devices, same 3 windows", r.FalseAlarmRate.ToString("P2", CultureInfo.InvariantCulture));
        table.AddRow("false alarms, clean devices, whole run", r.FalseAlarmRateWholeRun.ToString("P2", CultureInfo.InvariantCulture));
        table.AddRow("detection delay (windows: devices)", string.Join(", ", r.DelayHistogram.Select(kv => (kv.Key == 0 ? "never" : kv.Key.ToString(CultureInfo.InvariantCulture)) + ": " + kv.Value)));
        table.AddRow("drift uplink per device per day", $"{r.UplinkBytesPerDeviceDay:N0} B");
        table.AddRow("raw inputs per device per day", $"{r.RawBytesPerDeviceDay:N0} B");
        table.AddRow("raw / drift", $"{r.BytesRatio:N0}x");
        console.Write(table);
    }
}
