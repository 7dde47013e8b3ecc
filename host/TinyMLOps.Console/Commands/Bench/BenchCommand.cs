using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench`: batch-1 latency of the C# kernels, the SIMD kernels and ONNX Runtime on the same int8 model, in one run.</summary>
internal static class BenchCommand
{
    /// <summary>The --input value that stands for the task's held-out images.</summary>
    private const string TaskImages = "-";

    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo[]>("models") { Description = "int8 models (.tmlm)", Arity = ArgumentArity.OneOrMore };
        var images = new Option<int>("--images") { Description = "held-out images per round", DefaultValueFactory = _ => 1000 };
        var rounds = new Option<int>("--rounds") { Description = "rounds over the images (the first warms up and is not timed)", DefaultValueFactory = _ => 4 };
        var plot = new Option<FileInfo?>("--plot") { Description = "also write the latency comparison as a PNG, e.g. docs/img/latency.png" };
        var inputs = new Option<string[]>("--input")
        {
            Description = "inputs from a .npy of float32 samples in the models' input shape (default: the task's held-out images); once for all models, or once per model in order, '-' for the task's images",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("bench", "Batch-1 latency of the C# and SIMD kernels against ONNX Runtime, model bytes and arena bytes") { input, images, rounds, plot, inputs, task, data };
        command.Subcommands.Add(BenchIngestCommand.Build(console));
        command.Subcommands.Add(BenchWireCommand.Build(console));
        command.Subcommands.Add(BenchMeterCommand.Build(console));
        command.Subcommands.Add(BenchDriftCommand.Build(console));
        command.Subcommands.Add(BenchFederatedCommand.Build(console));
        command.Subcommands.Add(BenchSealCommand.Build(console));
        command.Subcommands.Add(BenchSignalsCommand.Build(console));
        command.Subcommands.Add(BenchNanoClrCommand.Build(console));
        command.Subcommands.Add(BenchApiCommand.Build(console));
        command.SetAction(parse =>
        {
            int count = parse.GetValue(images);
            FileInfo[] models = parse.GetValue(input)!;
            string[] given = parse.GetValue(inputs) ?? [];
            if (given.Length > 1 && given.Length != models.Length)
            {
                throw new ArgumentException($"--input: give one for all models or one per model ({models.Length}), not {given.Length}");
            }

            string[] sources = [.. models.Select((_, i) => given.Length == 0 ? TaskImages : given[given.Length == 1 ? 0 : i])];
            ImageDataset? test = null;
            if (sources.Contains(TaskImages))
            {
                TaskDefinition definition = Options.TaskOf(parse, task);
                test = BenchModel.Images(definition, Options.Load(console, definition, parse.GetValue(data)).HeldOut).Take(count);
            }

            var reports = models
                .Select((f, i) =>
                {
                    byte[] model = File.ReadAllBytes(f.FullName);
                    return sources[i] == TaskImages
                        ? Measure(console, model, test!, parse.GetValue(rounds))
                        : Measure(console, model, Samples(new FileInfo(sources[i]), model, count), parse.GetValue(rounds));
                })
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

    /// <summary>Up to <paramref name="count"/> samples of a .npy, in the model's HWC order.</summary>
    private static float[][] Samples(FileInfo npy, byte[] modelFile, int count)
    {
        TinyMLOps.Shared.Model.Int8Model model = TinyMLOps.Shared.Model.ModelReader.Read(modelFile);
        return [.. Model.ModelQuantizeCommand.Samples(npy.FullName, model.InputH, model.InputW, model.InputC).Take(count)];
    }

    public static BenchmarkReport Measure(IAnsiConsole console, byte[] model, IReadOnlyList<float[]> inputs, int rounds)
    {
        BenchmarkReport? report = null;
        console.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("benchmark", maxValue: 1.0);
            report = LatencyBenchmark.Run(model, inputs, rounds, new Progress<double>(v => task.Value = v));
            task.Value = 1.0;
        });
        return report!;
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
