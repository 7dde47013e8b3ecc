using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Host.Benchmarks;
using TinyMLOps.Host.Data;

namespace TinyMLOps.Console.Commands;

/// <summary>`bench`: batch-1 latency of our kernels against ONNX Runtime on the same int8 model, in one run.</summary>
internal static class BenchCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var input = new Argument<FileInfo[]>("models") { Description = "int8 models (.tmlm)", Arity = ArgumentArity.OneOrMore };
        var images = new Option<int>("--images") { Description = "test images per round", DefaultValueFactory = _ => 1000 };
        var rounds = new Option<int>("--rounds") { Description = "rounds over the images (the first warms up and is not timed)", DefaultValueFactory = _ => 4 };
        var data = Options.DataDirectory();
        var command = new Command("bench", "Batch-1 latency against ONNX Runtime, model bytes and arena bytes") { input, images, rounds, data };
        command.SetAction(parse =>
        {
            var test = FashionMnist.LoadTest(parse.GetValue(data)).Take(parse.GetValue(images));
            var reports = parse.GetValue(input)!
                .Select(f => Measure(console, File.ReadAllBytes(f.FullName), test, parse.GetValue(rounds)))
                .ToList();
            Render(console, reports);
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

    public static void Render(IAnsiConsole console, IReadOnlyList<BenchmarkReport> reports)
    {
        var table = new Table().Title("batch-1 latency, one thread, same int8 model").AddColumns(
            "model", "MACs", "ours median µs", "ORT median µs", "ratio ours/ORT", "ours p95 µs", "ORT p95 µs", "model bytes", "ONNX bytes", "arena bytes", "top-1 agree");
        foreach (var r in reports)
        {
            table.AddRow(
                $"{r.ModelId}/{r.VariantId}", r.Macs.ToString("N0"),
                r.Ours.MedianMicroseconds.ToString("F1"), r.OnnxRuntime.MedianMicroseconds.ToString("F1"), r.LatencyRatio.ToString("F2"),
                r.Ours.P95Microseconds.ToString("F1"), r.OnnxRuntime.P95Microseconds.ToString("F1"),
                r.ModelBytes.ToString("N0"), r.OnnxBytes.ToString("N0"), r.ArenaBytes.ToString("N0"), r.TopOneAgreement.ToString("P2"));
        }

        console.Write(table);
        var chart = new BarChart().Label("median latency per inference (µs)").Width(70);
        foreach (var r in reports)
        {
            chart.AddItem($"{r.ModelId} ours", Math.Round(r.Ours.MedianMicroseconds, 1), Color.Green);
            chart.AddItem($"{r.ModelId} ORT", Math.Round(r.OnnxRuntime.MedianMicroseconds, 1), Color.Blue);
        }

        console.Write(chart);
    }
}
