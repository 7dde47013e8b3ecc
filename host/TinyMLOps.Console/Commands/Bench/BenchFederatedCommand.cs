using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench federated`: federated rounds on a task's images against the Flower float32 baseline, poisoning and device RAM.</summary>
internal static class BenchFederatedCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var defaults = new FederatedBenchmarkOptions();
        var rounds = new Option<int?>("--rounds") { Description = $"rounds per run (default {defaults.Rounds})" };
        var devices = new Option<int?>("--devices") { Description = $"virtual devices (default {defaults.Devices})" };
        var perRound = new Option<int?>("--per-round") { Description = $"devices per round (default {defaults.PerRound})" };
        var seed = new Option<int?>("--seed") { Description = $"seed of everything (default {defaults.Seed})" };
        var alphas = new Option<double[]?>("--alpha") { Description = "Dirichlet α values of the label split (default 0.1 0.5)", AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int?>("--local-epochs") { Description = $"local epochs per round (default {defaults.LocalEpochs})" };
        var batch = new Option<int?>("--batch") { Description = $"local batch size (default {defaults.BatchSize})" };
        var lr = new Option<float?>("--lr") { Description = $"local SGD learning rate (default {defaults.LearningRate.ToString(CultureInfo.InvariantCulture)})" };
        var cap = new Option<int?>("--max-samples") { Description = $"samples a device trains on per round, 0 for all (default {defaults.MaxSamplesPerRound})" };
        var decay = new Option<float?>("--round-decay") { Description = $"learning rate factor per round (default {defaults.RoundDecay.ToString(CultureInfo.InvariantCulture)})" };
        var keep = new Option<float?>("--keep") { Description = $"top-k fraction of our encoding (default {defaults.KeepFraction.ToString(CultureInfo.InvariantCulture)})" };
        var clip = new Option<float?>("--clip") { Description = $"L2 clipping norm of our update (default {defaults.ClipNorm.ToString(CultureInfo.InvariantCulture)})" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "write the plots (PNG) here, e.g. docs/img" };
        var quick = new Option<bool>("--quick") { Description = "a tiny configuration for a smoke test (20 devices, 5 a round, 15 rounds, 5,000 images, α 0.5)" };
        var markdown = new Option<bool>("--markdown") { Description = "also print the tables as Markdown (for docs/benchmarks.md)" };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("federated", "Federated rounds on a task's training images split by Dirichlet α, tested on its held-out images: our int8 top-k updates against Flower's float32, poisoning, device RAM")
        {
            rounds, devices, perRound, seed, alphas, epochs, batch, lr, cap, decay, keep, clip, output, quick, markdown, task, data,
        };
        command.SetAction(parse =>
        {
            var o = parse.GetValue(quick) ? FederatedBenchmarkOptions.Quick : defaults;
            o = o with
            {
                Rounds = parse.GetValue(rounds) ?? o.Rounds,
                Devices = parse.GetValue(devices) ?? o.Devices,
                PerRound = parse.GetValue(perRound) ?? o.PerRound,
                Seed = parse.GetValue(seed) ?? o.Seed,
                Alphas = parse.GetValue(alphas) is { Length: > 0 } a ? a : o.Alphas,
                LocalEpochs = parse.GetValue(epochs) ?? o.LocalEpochs,
                BatchSize = parse.GetValue(batch) ?? o.BatchSize,
                LearningRate = parse.GetValue(lr) ?? o.LearningRate,
                MaxSamplesPerRound = parse.GetValue(cap) ?? o.MaxSamplesPerRound,
                RoundDecay = parse.GetValue(decay) ?? o.RoundDecay,
                KeepFraction = parse.GetValue(keep) ?? o.KeepFraction,
                ClipNorm = parse.GetValue(clip) ?? o.ClipNorm,
            };
            o = o with { FinalWindow = Math.Min(o.FinalWindow, o.Rounds) };
            o.Validate();
            TaskDefinition definition = Options.TaskOf(parse, task);
            TaskSplits splits = definition.Load(new TaskLoadOptions { Data = parse.GetValue(data) });
            var train = BenchModel.Images(definition, splits.Train);
            var test = BenchModel.Images(definition, splits.HeldOut);
            FederatedBenchmarkReport? report = null;
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
            {
                var setup = ctx.AddTask("setup", maxValue: 1);
                var tasks = FederatedBenchmark.Plan(o).ToDictionary(s => s.Name, s => ctx.AddTask(s.Name, autoStart: false, maxValue: o.Rounds));
                var stages = new SyncProgress<string>(m =>
                {
                    if (m.StartsWith("run ", StringComparison.Ordinal))
                    {
                        setup.Value = 1;
                        setup.StopTask();
                    }
                    else
                    {
                        setup.Description = m;
                    }
                });
                var progress = new SyncProgress<FederatedProgress>(p =>
                {
                    var task = tasks[p.Run];
                    task.StartTask();
                    task.Value = p.Round;
                    task.Description = $"{p.Run}: round {p.Round}/{p.Rounds}, {p.Accuracy * 100:F1}%";
                });
                report = FederatedBenchmark.Run(train, test, o, stages, progress);
            });

            Render(console, report!);
            if (parse.GetValue(markdown))
            {
                parse.InvocationConfiguration.Output.Write(Markdown(report!));
            }

            if (parse.GetValue(output) is { } outDir)
            {
                Directory.CreateDirectory(outDir.FullName);
                FederatedPlots.AccuracyRounds(Path.Combine(outDir.FullName, "federated-accuracy-rounds.png"), report!);
                FederatedPlots.AccuracyBytes(Path.Combine(outDir.FullName, "federated-accuracy-bytes.png"), report!);
                FederatedPlots.Poisoning(Path.Combine(outDir.FullName, "federated-poisoning.png"), report!);
                console.MarkupLineInterpolated($"plots in {outDir.FullName}");
            }

            return 0;
        });
        return command;
    }

    public static void Render(IAnsiConsole console, FederatedBenchmarkReport r)
    {
        var o = r.Options;
        console.MarkupLineInterpolated($"[bold]federated head {r.HeadShape}[/] ({r.HeadParameters:N0} parameters) on {r.VariantId}: {o.Devices} devices, {o.PerRound} a round, {o.Rounds} rounds, E={o.LocalEpochs}, B={o.BatchSize}, lr={o.LearningRate.ToString(CultureInfo.InvariantCulture)} × {o.RoundDecay.ToString(CultureInfo.InvariantCulture)} per round, at most {o.MaxSamplesPerRound} samples a device a round, top-k {o.KeepFraction.ToString(CultureInfo.InvariantCulture)}, clip {o.ClipNorm.ToString(CultureInfo.InvariantCulture)}; {r.Seconds:0} s");
        var refs = new Table().AddColumns("reference", "test accuracy");
        refs.AddRow($"base model, whole int8 network ({r.FactoryImages:N0} factory images)", Pct(r.BaseAccuracy));
        refs.AddRow("base model's head, dequantized, on the cached features", Pct(r.BaseHeadAccuracy));
        refs.AddRow("re-initialised head (round 0)", Pct(r.InitialAccuracy));
        refs.AddRow($"centralized: same head on all {r.Centralized.Samples:N0} device samples, {r.Centralized.EpochAccuracy.Count} epochs", Pct(r.Centralized.Final));
        foreach (var q in r.Int8)
        {
            refs.AddRow($"ours at α={A(q.Alpha)}: float head {Pct(q.FloatAccuracy)}, re-quantized into the int8 model ({q.ModelBytes:N0} B)", Pct(q.Int8Accuracy));
        }

        console.Write(refs);

        var runs = new Table().AddColumns("run", "final acc", "best", "bytes/update", "uplink total", "honest ‖Δ‖", "clipped", "s");
        foreach (var run in r.Runs)
        {
            runs.AddRow(run.Spec.Name, Pct(run.FinalAccuracy(r.Window)), Pct(run.Rounds.Max(x => x.Accuracy)), $"{run.MeanUpdateBytes:N0}", $"{run.TotalBytes:N0}", $"{run.MeanHonestDeltaNorm:F2}", $"{run.ClippedShare:P0}", $"{run.Seconds:0}");
        }

        console.Write(runs);
        var cmp = new Table().AddColumns("α", "Flower final", "ours final", "ours reaches it at", "ours bytes then", "Flower total / ours", "Flower's own reach / ours", "per round", "gap to centralized ours / Flower");
        foreach (var c in r.Comparisons)
        {
            cmp.AddRow(
                A(c.Alpha),
                Pct(c.BaselineFinal),
                Pct(c.OursFinal),
                c.OursReach is { } reach ? $"round {reach.Round}" : "never",
                c.OursReach is { } rb ? $"{rb.CumulativeBytes:N0}" : "-",
                c.RatioToBaselineTotal is { } t ? $"{t:F1}x" : "-",
                c.RatioToBaselineReach is { } b ? $"{b:F1}x" : "-",
                $"{c.PerRoundRatio:F1}x",
                $"{c.OursGapPoints:F2} / {c.BaselineGapPoints:F2} pt");
        }

        console.Write(cmp);
        var poison = new Table().AddColumns("strategy", "clean", "poisoned", "loss");
        foreach (var p in r.Poisoning)
        {
            poison.AddRow(p.Strategy, Pct(p.CleanFinal), Pct(p.PoisonedFinal), $"{p.LossPoints:F2} pt");
        }

        console.Write(poison);
        var ram = new Table().AddColumns("board", "head", "trainer", "delta", "residual", "encoded", "training", "budget", "fits", "+samples");
        foreach (var l in r.Ram)
        {
            ram.AddRow(l.BoardId, $"{l.HeadLayers} ({l.Parameters:N0})", $"{l.TrainerBytes:N0}", $"{l.DeltaBytes:N0}", $"{l.ResidualBytes:N0}", $"{l.EncodedBytes:N0}", $"{l.TrainingBytes:N0}", $"{l.BudgetBytes:N0}", l.Fits ? "yes" : "NO", l.FitsWithSamples ? "yes" : "no");
        }

        console.Write(ram);
    }

    /// <summary>The tables of docs/benchmarks.md's federated section.</summary>
    public static string Markdown(FederatedBenchmarkReport r)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine("| reference | test accuracy |");
        s.AppendLine("|---|---|");
        s.AppendLine(c, $"| base model, whole int8 network ({r.FactoryImages:N0} factory images) | {Pct(r.BaseAccuracy)} |");
        s.AppendLine(c, $"| re-initialised head (round 0) | {Pct(r.InitialAccuracy)} |");
        s.AppendLine(c, $"| centralized: the same head on all {r.Centralized.Samples:N0} device samples, {r.Centralized.EpochAccuracy.Count} epochs | {Pct(r.Centralized.Final)} |");
        foreach (var q in r.Int8)
        {
            s.AppendLine(c, $"| ours at α={A(q.Alpha)}: float head {Pct(q.FloatAccuracy)}; re-quantized into the int8 model ({q.ModelBytes:N0} B) | {Pct(q.Int8Accuracy)} |");
        }

        s.AppendLine();
        s.AppendLine("| run | final accuracy (mean of last " + r.Window + ") | best | bytes per update | uplink, all rounds | mean honest ‖Δ‖ | clipped | seconds |");
        s.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var run in r.Runs)
        {
            s.AppendLine(c, $"| {run.Spec.Name} | {Pct(run.FinalAccuracy(r.Window))} | {Pct(run.Rounds.Max(x => x.Accuracy))} | {run.MeanUpdateBytes:N0} | {run.TotalBytes:N0} | {run.MeanHonestDeltaNorm:F2} | {run.ClippedShare:P0} | {run.Seconds:0} |");
        }

        s.AppendLine();
        s.AppendLine("| α | Flower final | ours final | ours reaches Flower's final at | our uplink until then | Flower total / ours | Flower until its own first reach / ours | bytes per round, Flower / ours | centralized − ours | centralized − Flower |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in r.Comparisons)
        {
            s.AppendLine(c, $"| {A(x.Alpha)} | {Pct(x.BaselineFinal)} | {Pct(x.OursFinal)} | {(x.OursReach is { } reach ? $"round {reach.Round}" : "never")} | {(x.OursReach is { } rb ? rb.CumulativeBytes.ToString("N0", c) + " B" : "-")} | {(x.RatioToBaselineTotal is { } t ? t.ToString("F1", c) + "x" : "-")} | {(x.RatioToBaselineReach is { } b ? b.ToString("F1", c) + "x" : "-")} | {x.PerRoundRatio:F1}x | {x.OursGapPoints:F2} pt | {x.BaselineGapPoints:F2} pt |");
        }

        s.AppendLine();
        s.AppendLine("| strategy (α = " + A(r.Options.PoisonAlpha) + ", ours) | clean | " + (r.Options.PoisonFraction * 100).ToString("0", c) + "% poisoners | loss |");
        s.AppendLine("|---|---|---|---|");
        foreach (var p in r.Poisoning)
        {
            s.AppendLine(c, $"| {p.Strategy} | {Pct(p.CleanFinal)} | {Pct(p.PoisonedFinal)} | {p.LossPoints:F2} pt |");
        }

        s.AppendLine();
        s.AppendLine("| board | app RAM | head (parameters) | trainer | float delta | residual | encoded update | training total | share of RAM | fits | + " + r.Ram[0].Samples.ToString("N0", c) + " stored samples | est. s per round |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var l in r.Ram)
        {
            s.AppendLine(c, $"| {l.BoardId} | {l.BudgetBytes:N0} | {l.HeadLayers} layer{(l.HeadLayers > 1 ? "s" : "")} ({l.Parameters:N0}) | {l.TrainerBytes:N0} | {l.DeltaBytes:N0} | {l.ResidualBytes:N0} | {l.EncodedBytes:N0} | {l.TrainingBytes:N0} | {l.BudgetShare:P1} | {(l.Fits ? "yes" : "**no**")} | {l.TrainingBytes + l.SampleBytes:N0} ({(l.FitsWithSamples ? "fits" : "does not fit")}) | {(l.EstimatedSeconds is { } sec ? sec.ToString("F0", c) : "-")} |");
        }

        s.AppendLine();
        s.AppendLine("| α | min samples | median | max | mean max-class share |");
        s.AppendLine("|---|---|---|---|---|");
        foreach (var sp in r.Splits)
        {
            s.AppendLine(c, $"| {A(sp.Alpha)} | {sp.MinSamples:N0} | {sp.MedianSamples:N0} | {sp.MaxSamples:N0} | {sp.MeanMaxClassShare:P1} |");
        }

        return s.ToString();
    }

    private static string Pct(double v) => (v * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string A(double alpha) => alpha.ToString("0.###", CultureInfo.InvariantCulture);

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
