using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Rendering;

/// <summary>`bench nanoclr`: the interpreter figures as tables, as Markdown for docs/benchmarks.md, and as JSON.</summary>
internal static class InterpreterView
{
    public static void Render(IAnsiConsole console, InterpreterReport r)
    {
        foreach (string? missing in new[] { r.NanoClrMissing, r.GccMissing })
        {
            if (missing != null)
            {
                console.MarkupLineInterpolated($"[yellow]{missing}[/]");
            }
        }

        var kernels = new Table().Title("int8 kernels, ns per MAC, same machine, one run").AddColumns("kernel", "MACs", "nanoCLR", ".NET", "C -O2", "nanoCLR / C", "nanoCLR / .NET");
        foreach (var k in r.Kernels)
        {
            kernels.AddRow(k.Name, k.Macs.ToString("N0", CultureInfo.InvariantCulture), F(k.NanoClrNsPerMac, "0.0"), F(k.DotnetNsPerMac, "0.00"), F(k.CNsPerMac, "0.00"), F(k.NanoClrOverC, "0"), F(k.NanoClrOverDotnet, "0"));
        }

        console.Write(kernels);
        var variants = new Table().Title("one inference of each variant's shape").AddColumns("variant", "MACs", "nanoCLR ms", ".NET ms", "nanoCLR ns/MAC", "nanoCLR / .NET");
        foreach (var v in r.Variants)
        {
            variants.AddRow(v.Name, v.Macs.ToString("N0", CultureInfo.InvariantCulture), F(v.NanoClrMs, "0.0"), F(v.DotnetMs, "0.000"), F(v.NanoClrNsPerMac, "0.0"), F(v.NanoClrMs / v.DotnetMs, "0"));
        }

        console.Write(variants);
        console.MarkupLineInterpolated($"interpreter factor nanoCLR / C (geometric mean over FullyConnected and Conv2D): [bold]{F(r.InterpreterFactor, "0")}[/]");
        console.MarkupLineInterpolated($"{r.RunAt:yyyy-MM-dd HH:mm} UTC, {r.Machine}, fastest of {r.Passes} pass(es) per item");
    }

    public static void Write(string path, InterpreterReport r)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            File.WriteAllText(path, JsonSerializer.Serialize(new
            {
                r.RunAt,
                r.Machine,
                r.Passes,
                r.InterpreterFactor,
                r.NanoClrMissing,
                r.GccMissing,
                Kernels = r.Kernels.Select(k => new { k.Name, k.Macs, k.NanoClrNsPerMac, k.DotnetNsPerMac, k.CNsPerMac, k.NanoClrOverC, k.NanoClrOverDotnet }),
                Variants = r.Variants.Select(v => new { v.Name, v.Macs, v.NanoClrMs, v.DotnetMs, v.NanoClrNsPerMac }),
                Boards = Boards(r).Select(b => new { b.Board.BoardId, b.Board.Core, PlainCCyclesPerMac = b.Board.CyclesPerMac, CyclesPerMacInterpreted = b.Derived }),
            }, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            File.WriteAllText(path, Markdown(r));
        }
    }

    public static string Markdown(InterpreterReport r)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Run {r.RunAt:yyyy-MM-dd HH:mm} UTC on {r.Machine}; fastest of {r.Passes} pass(es) per item.\n\n");
        md.Append("| kernel | MACs | nanoCLR ns/MAC | .NET ns/MAC | C ns/MAC | nanoCLR / C | nanoCLR / .NET |\n|---|---|---|---|---|---|---|\n");
        foreach (var k in r.Kernels)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {k.Name} | {k.Macs:N0} | {F(k.NanoClrNsPerMac, "0.0")} | {F(k.DotnetNsPerMac, "0.00")} | {F(k.CNsPerMac, "0.00")} | {F(k.NanoClrOverC, "0")} | {F(k.NanoClrOverDotnet, "0")} |\n");
        }

        md.Append("\n| variant shape | MACs | nanoCLR ms | .NET ms | nanoCLR ns/MAC | nanoCLR / .NET |\n|---|---|---|---|---|---|\n");
        foreach (var v in r.Variants)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {v.Name} | {v.Macs:N0} | {F(v.NanoClrMs, "0.0")} | {F(v.DotnetMs, "0.000")} | {F(v.NanoClrNsPerMac, "0.0")} | {F(v.NanoClrMs / v.DotnetMs, "0")} |\n");
        }

        md.Append(CultureInfo.InvariantCulture, $"\nInterpreter factor nanoCLR / C (geometric mean over FullyConnected and Conv2D): **{F(r.InterpreterFactor, "0")}**.\n");
        var boards = Boards(r);
        if (boards.Count > 0)
        {
            md.Append("\n| board | core | plain C cycles/MAC | derived cycles/MAC interpreted |\n|---|---|---|---|\n");
            foreach (var b in boards)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {b.Board.BoardId} | {b.Board.Core} | {b.Board.CyclesPerMac:0.0} | {b.Derived:N0} |\n");
            }
        }

        return md.ToString();
    }

    private static List<(PlainCCycles Board, double Derived)> Boards(InterpreterReport r) =>
        r.InterpreterFactor is { } f ? InterpreterCoefficients.PlainC.Select(b => (b, InterpreterCoefficients.Derive(f, b))).ToList() : [];

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
