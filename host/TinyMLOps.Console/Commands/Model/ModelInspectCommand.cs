using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Inspection;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>`model inspect FILE`: layers, MACs, flash bytes and arena bytes of an int8 model.</summary>
internal static class ModelInspectCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var file = new Argument<FileInfo>("file") { Description = "an int8 model (.tmlm)" };
        var markdown = new Option<bool>("--markdown") { Description = "print only the per-board estimate as a Markdown table row per board (for docs)" };
        var command = new Command("inspect", "Show a model's layers and its cost: MACs, flash bytes, arena bytes, and the estimate per board") { file, markdown };
        command.SetAction(parse =>
        {
            var summary = ModelSummary.Of(File.ReadAllBytes(parse.GetValue(file)!.FullName));
            if (parse.GetValue(markdown))
            {
                console.Write(new Text(BoardsMarkdown(summary, BoardCatalog.Default.All)));
                return 0;
            }

            Render(console, summary);
            return 0;
        });
        return command;
    }

    public static void Render(IAnsiConsole console, ModelSummary s)
    {
        console.MarkupLineInterpolated($"[bold]{s.ModelId}[/] / {s.VariantId}   sha256 {s.ContentHash[..16]}…");
        console.MarkupLineInterpolated($"input {s.Input}, {s.Classes} outputs: {s.Meaning}");
        if (s.FrontEnd != null)
        {
            console.MarkupLineInterpolated($"front-end {s.FrontEnd}");
        }
        bool named = s.Layers.Any(l => l.NodeName.Length > 0);
        var table = new Table().AddColumns("#", "op", "reads", "output", "act", "MACs", "param bytes", "out scale", "out zp");
        if (named)
        {
            table.AddColumn("node");
        }

        foreach (var l in s.Layers)
        {
            string[] cells = [l.Index.ToString(), l.Op, l.Inputs, l.Output, l.Activation, l.Macs.ToString("N0"), l.ParameterBytes.ToString("N0"), l.OutScale.ToString("G4"), l.OutZeroPoint.ToString()];
            table.AddRow([.. cells.Concat(named ? [l.NodeName] : []).Select(c => new Text(c))]);
        }

        console.Write(table);
        console.MarkupLineInterpolated($"MACs {s.Macs:N0}   flash bytes {s.FlashBytes:N0}   arena bytes {s.ArenaBytes:N0} (lower bound {s.ArenaLowerBound:N0}: the most bytes alive at one step)   RAM incl. tables {s.WorkingBytes:N0}");
        RenderBoards(console, s, BoardCatalog.Default.All);
    }

    /// <summary>The per-board estimate as Markdown: board, fits, interpreted ms, native ms, speed-up.</summary>
    public static string BoardsMarkdown(ModelSummary s, IEnumerable<BoardProfile> boards)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.Append(inv, $"| board | fits | interpreted ms | native ms | speed-up |\n|---|---|---|---|---|\n");
        foreach (var b in boards)
        {
            VariantCost interpreted = CostModel.Estimate(b, s, native: false);
            VariantCost native = CostModel.Estimate(b, s, native: true);
            sb.Append(inv, $"| {b.Id} | {(interpreted.Fits ? "yes" : "no")} | {interpreted.LatencyMs:0.0} | {native.LatencyMs:0.0} | {interpreted.LatencyMs / native.LatencyMs:0.0}x |\n");
        }

        return sb.ToString();
    }

    /// <summary>The estimate on every board, interpreted against native kernels: what a firmware with the C library buys.</summary>
    public static void RenderBoards(IAnsiConsole console, ModelSummary s, IEnumerable<BoardProfile> boards)
    {
        var table = new Table().AddColumns("board", "fits", "interpreted ms", "native ms", "speed-up", "native mJ", "firmware runs");
        foreach (var b in boards)
        {
            VariantCost interpreted = CostModel.Estimate(b, s, native: false);
            VariantCost native = CostModel.Estimate(b, s, native: true);
            table.AddRow(
                new Text(b.Id),
                interpreted.Fits ? new Text("yes") : new Text("no: " + interpreted.Reason),
                new Text(interpreted.LatencyMs.ToString("0.0")),
                new Text(native.LatencyMs.ToString("0.0")),
                new Text((interpreted.LatencyMs / native.LatencyMs).ToString("0.0") + "x"),
                new Text(native.EnergyMillijoules.ToString("0.00")),
                new Text(b.NativeKernels ? "native" : "interpreted"));
        }

        console.Write(table);
    }
}
