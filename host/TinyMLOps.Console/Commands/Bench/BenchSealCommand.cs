using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench seal`: load and inference latency of a sealed model slot (streamed verify, decrypt in place) against a plain one, and the bytes each load allocates.</summary>
internal static class BenchSealCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var model = new Option<FileInfo?>("--model") { Description = "an int8 model (default: build the task's widest MLP, e.g. 784 → 128 → 10, with `variant build`'s pipeline on 20,000 samples, 2 epochs)" };
        var loads = new Option<int>("--loads") { Description = "loads per round", DefaultValueFactory = _ => 300 };
        var rounds = new Option<int>("--rounds") { Description = "rounds (the first warms up and is not timed)", DefaultValueFactory = _ => 4 };
        var task = Options.Task();
        var data = Options.DataDirectory();
        var command = new Command("seal", "Latency of loading a sealed (per-device encrypted) model against the plain one") { model, loads, rounds, task, data };
        command.SetAction(parse =>
        {
            var (file, test) = BenchModel.FileOrTaskVariant(console, Options.TaskOf(parse, task), parse.GetValue(model), parse.GetValue(data), 1000);

            var r = SealedLoadBenchmark.Run(file, test, parse.GetValue(loads), parse.GetValue(rounds));
            var table = new Table().Title($"sealed against plain, {r.ModelId}, median of {r.Loads} loads").AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("plain / sealed bytes", $"{r.PlainBytes:N0} / {r.SealedBytes:N0}");
            table.AddRow("sealed slot read (verify, decrypt, check) µs", r.OpenMicroseconds.ToString("F1"));
            table.AddRow("  its tag pass alone (streamed HMAC) µs", r.VerifyMicroseconds.ToString("F1"));
            table.AddRow("plain slot read + interpreter µs", r.LoadMicroseconds.ToString("F1"));
            table.AddRow("plain load + 1 inference µs", r.PlainLoadAndInferMicroseconds.ToString("F1"));
            table.AddRow("sealed load + 1 inference µs", r.SealedLoadAndInferMicroseconds.ToString("F1"));
            table.AddRow("ratio per load (sealed / plain)", r.PerLoadRatio.ToString("F2"));
            table.AddRow("steady inference plain µs", r.InferenceMicroseconds.ToString("F1"));
            table.AddRow("steady inference sealed-loaded µs", r.SealedInferenceMicroseconds.ToString("F1"));
            table.AddRow("ratio steady (sealed / plain)", r.SteadyRatio.ToString("F2"));
            table.AddRow("bytes allocated per load plain / sealed", $"{r.PlainLoadAllocatedBytes:N0} / {r.SealedLoadAllocatedBytes:N0}");
            console.Write(table);
            return 0;
        });
        return command;
    }
}
