using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench`: batch-1 latency of our kernels against ONNX Runtime on the same int8 model, in one run.</summary>
internal static class BenchCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo[]>("models") { Description = "int8 models (.tmlm)", Arity = ArgumentArity.OneOrMore };
        var images = new Option<int>("--images") { Description = "test images per round", DefaultValueFactory = _ => 1000 };
        var rounds = new Option<int>("--rounds") { Description = "rounds over the images (the first warms up and is not timed)", DefaultValueFactory = _ => 4 };
        var plot = new Option<FileInfo?>("--plot") { Description = "also write the latency comparison as a PNG, e.g. docs/img/latency.png" };
        var data = Options.DataDirectory();
        var command = new Command("bench", "Batch-1 latency against ONNX Runtime, model bytes and arena bytes") { input, images, rounds, plot, data };
        command.Subcommands.Add(BenchIngestCommand.Build(console));
        command.Subcommands.Add(BenchWireCommand.Build(console));
        command.Subcommands.Add(BenchMeterCommand.Build(console));
        command.Subcommands.Add(BenchDriftCommand.Build(console));
        command.Subcommands.Add(BenchFederatedCommand.Build(console));
        command.Subcommands.Add(BenchSealCommand.Build(console));
        command.Subcommands.Add(BenchSignalsCommand.Build(console));
        command.Subcommands.Add(BenchNanoClrCommand.Build(console));
        command.SetAction(parse =>
        {
            var test = FashionMnist.LoadTest(parse.GetValue(data)).Take(parse.GetValue(images));
            var reports = parse.GetValue(input)!
                .Select(f => Measure(console, File.ReadAllBytes(f.FullName), test, parse.GetValue(rounds)))
                .ToList();
            LatencyView.Render(console, reports);
            if (parse.GetValue(plot) is { } png)
            {
                Plots.Latency(png.FullName, reports);
                console.MarkupLineInterpolated($"plot in {png.FullName}");
            }

            return 0;
        });
        return command;
    }

    public static BenchmarkReport Measure(IAnsiConsole console, byte[] model, ImageDataset images, int rounds)
    {
        BenchmarkReport? report = null;
        console.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("benchmark", maxValue: 1.0);
            report = LatencyBenchmark.Run(model, images, rounds, new Progress<double>(v => task.Value = v));
            task.Value = 1.0;
        });
        return report!;
    }
}
