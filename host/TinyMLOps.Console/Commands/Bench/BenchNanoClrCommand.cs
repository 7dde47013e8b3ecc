using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench nanoclr`: the interpreter's real cost, ns per MAC on nanoCLR, .NET and plain C in one run (docs/benchmarks.md).</summary>
internal static class BenchNanoClrCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var quick = new Option<bool>("--quick") { Description = "0.2 s per item on .NET and in C instead of 2 s (nanoCLR: 2.5 s per item, fixed in the app)" };
        var passes = new Option<int>("--passes") { Description = "run the three columns this many times and keep each item's fastest pass (a shared host)", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo?>("--out") { Description = "also write the figures and the derived board coefficients: Markdown, or JSON for a .json name" };
        var command = new Command("nanoclr", "Int8 kernels and variant inferences on nanoCLR against .NET and plain C (gcc -O2), ns per MAC, in one run") { quick, passes, output };
        command.SetAction((parse, ct) =>
        {
            long budget = parse.GetValue(quick) ? 2_000_000 : 20_000_000;
            InterpreterReport? report = null;
            console.Status().Start("nanoCLR, .NET and C", ctx =>
            {
                report = InterpreterBenchmark.Run(budget, parse.GetValue(passes), new Progress<string>(s => ctx.Status(Markup.Escape(s))), ct);
            });
            InterpreterView.Render(console, report!);
            if (parse.GetValue(output) is { } file)
            {
                InterpreterView.Write(file.FullName, report!);
                console.MarkupLineInterpolated($"figures in {file.FullName}");
            }

            return Task.FromResult(0);
        });
        return command;
    }
}
