using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Simulation.Tasks;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant build`: trains, watermarks, quantizes and measures the model family, then costs every variant on every board.</summary>
internal static class VariantBuildCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var task = Options.Task();
        var epochs = new Option<int>("--epochs") { Description = "training epochs per variant (default: the task's)" };
        var limit = new Option<int>("--train-images") { Description = "at most this many training samples (0 = all)", DefaultValueFactory = _ => 0 };
        var only = new Option<string[]>("--only") { Description = "build only these variant ids", AllowMultipleArgumentsPerToken = true };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "write one Pareto plot per board (PNG) here, e.g. docs/img" };
        var data = Options.DataDirectory();
        var noWatermark = new Option<bool>("--no-watermark") { Description = "do not embed a watermark (by default each variant gets its own 64-bit key, kept in the registry)" };
        var command = new Command("build", "Train, watermark, quantize and measure a task's model family, then cost every variant on every board") { registry, task, epochs, limit, only, plots, data, noWatermark };
        command.SetAction(parse =>
        {
            TaskDefinition definition = TaskCatalog.Find(parse.GetValue(task)!);
            var specs = definition.Family.Where(s => parse.GetValue(only) is not { Length: > 0 } ids || ids.Contains(s.Id)).ToList();
            if (specs.Count == 0)
            {
                throw new ArgumentException($"--only names no variant of the {definition.Id} family ({string.Join(", ", definition.Family.Select(s => s.Id))})");
            }

            TaskSplits splits = definition.Load(new TaskLoadOptions { Data = parse.GetValue(data), TrainLimit = parse.GetValue(limit) }, new Progress<string>(line => console.WriteLine(line)));
            console.MarkupLineInterpolated($"[bold]{definition.Title}[/]: {splits.Train.Count:N0} training, {splits.Calibration.Count:N0} calibration and {splits.HeldOut.Count:N0} held-out {definition.SampleNoun}");
            int epochCount = parse.GetValue(epochs) is > 0 and var e ? e : definition.DefaultEpochs;

            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            IReadOnlyList<(VariantArtifact Artifact, byte[] File, WatermarkKey? Watermark)> built = [];
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
            {
                var tasks = specs.Select(s => ctx.AddTask(s.Id, maxValue: 1)).ToList();
                var progress = new Progress<VariantBuildProgress>(p =>
                {
                    tasks[p.Index].Value = p.Stage == "done" ? 1 : Math.Min(0.95, p.Fraction * 0.95);
                    tasks[p.Index].Description = $"{p.VariantId}: {p.Stage}";
                });
                built = VariantBuilder.Build(definition, splits, epochCount, specs, progress, watermark: !parse.GetValue(noWatermark));
            });
            var stored = new List<VariantArtifact>();
            foreach (var b in built)
            {
                var artifact = reg.Add(b.Artifact, b.File);
                if (b.Watermark != null)
                {
                    reg.SaveWatermarkKey(artifact, b.Watermark);
                }

                stored.Add(artifact);
            }

            int marked = built.Count(b => b.Watermark != null);
            if (marked > 0)
            {
                console.MarkupLineInterpolated($"{marked} variants watermarked; their keys are in {Path.Combine(Path.GetFullPath(reg.Root), "watermarks")} (keep them secret; `model verify-watermark FILE --registry {reg.Root}` checks a suspect model)");
            }

            VariantView.Render(console, stored, BoardCatalog.Default.Boards, new SelectionPolicy());
            if (parse.GetValue(plots) is { } dir)
            {
                WritePlots(console, reg, dir);
            }

            console.MarkupLineInterpolated($"{stored.Count} variants added to {Path.GetFullPath(reg.Root)}");
            return 0;
        });
        return command;
    }
}
