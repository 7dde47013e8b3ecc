using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench signals`: what the extraction signals add to a metered inference, against the inference itself.</summary>
internal static class BenchSignalsCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var model = new Option<FileInfo?>("--model") { Description = "an int8 model with a drift profile (default: build the task's widest MLP, e.g. 784 → 128 → 10, with `variant build`'s pipeline on 20,000 samples, 2 epochs)" };
        var samples = new Option<int>("--samples") { Description = "held-out images per round", DefaultValueFactory = _ => 2000 };
        var rounds = new Option<int>("--rounds") { Description = "rounds (the first warms up and is not timed)", DefaultValueFactory = _ => 5 };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("signals", "Per-inference cost of the extraction signals (novelty, near duplicates, confidence) against the inference") { model, samples, rounds, task, data };
        command.SetAction(parse =>
        {
            var (file, test) = BenchModel.FileOrTaskVariant(console, Options.TaskOf(parse, task), parse.GetValue(model), parse.GetValue(data), parse.GetValue(samples));

            var r = QuerySignalBenchmark.Run(file, test, parse.GetValue(rounds));
            string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
            var table = new Table().Title($"extraction signals, {r.ModelId}, per inference, median of {parse.GetValue(rounds) - 1} rounds of {r.Samples:N0}")
                .AddColumn("figure").AddColumn(new TableColumn("µs").RightAligned());
            table.AddRow("inference (classify)", F(r.InferenceMicroseconds));
            table.AddRow("top-1 confidence", F(r.ConfidenceMicroseconds));
            table.AddRow("novelty score", F(r.NoveltyMicroseconds));
            table.AddRow("near-duplicate ring", F(r.DuplicatesMicroseconds));
            table.AddRow("[bold]signals in all[/]", F(r.SignalsMicroseconds));
            table.AddRow("[bold]overhead[/]", r.Overhead.ToString("P1", CultureInfo.InvariantCulture));
            table.AddRow("signal RAM (bytes)", r.SignalRamBytes.ToString("N0", CultureInfo.InvariantCulture));
            console.Write(table);
            console.Write(new BarChart().Label("µs per metered inference").Width(60)
                .AddItem("inference", Math.Round(r.InferenceMicroseconds, 2), Color.Grey)
                .AddItem("signals", Math.Round(r.SignalsMicroseconds, 2), Color.Yellow));
            return 0;
        });
        return command;
    }
}
