using Spectre.Console;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Console.Rendering;

/// <summary>The variant family on every board: the table of `variant build` and `variant ls`, and its Markdown for docs/benchmarks.md.</summary>
internal static class VariantView
{
    public static void Render(IAnsiConsole console, IReadOnlyList<VariantArtifact> variants, IReadOnlyList<BoardProfile> boards, SelectionPolicy policy)
    {
        var table = new Table().AddColumns("variant", "accuracy", "MACs", "flash", "arena");
        foreach (var b in boards)
        {
            table.AddColumn(new TableColumn(b.Id).RightAligned());
        }

        foreach (var v in variants.OrderBy(v => v.Summary.Macs))
        {
            var cells = new List<Spectre.Console.Rendering.IRenderable>
            {
                new Text(v.VariantId), new Text(v.Accuracy.ToString("P2")), new Text(v.Summary.Macs.ToString("N0")), new Text(v.Summary.FlashBytes.ToString("N0")), new Text(v.Summary.ArenaBytes.ToString("N0")),
            };
            foreach (var b in boards)
            {
                var c = CostModel.Estimate(b, v.Summary, policy.NativeKernels);
                cells.Add(c.Fits ? new Text($"{c.LatencyMs:0.0} ms {c.EnergyMillijoules:0.00} mJ") : new Markup("[red]does not fit[/]"));
            }

            table.AddRow(cells);
        }

        console.Write(table);
    }

    /// <summary>Per board: every variant's accuracy and cost, and the two picks; then what a per-board choice gains over one model for all deployable boards.</summary>
    public static string Markdown(IReadOnlyList<VariantArtifact> variants, IReadOnlyList<BoardProfile> boards, SelectionPolicy policy)
    {
        var sb = new System.Text.StringBuilder();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var selections = boards.Select(b => VariantSelector.Select(TinyMLOps.Web.Queries.VariantQueries.NominalDevice(b), b, variants, policy)).ToList();
        foreach (var s in selections)
        {
            sb.Append(inv, $"\n### {s.Board.Name} ({s.Board.Id}, {s.Board.ClockMhz} MHz, app RAM {s.Board.AppRamBytes:N0} B, app flash {s.Board.AppFlashBytes:N0} B)\n\n");
            if (s.Board.NotDeployable is { } refused)
            {
                sb.Append(inv, $"{refused}\n\n");
            }

            sb.Append("| variant | accuracy | MACs | flash B | RAM B | est. ms | est. mJ | choice |\n|---|---|---|---|---|---|---|---|\n");
            foreach (var l in s.Lines.OrderBy(l => l.Variant.Summary.Macs))
            {
                string choice = string.Join(" + ", new[] { l.Variant == s.Plugged ? "plugged" : null, l.Variant == s.Battery ? "battery" : null }.Where(c => c != null));
                string cost = l.Cost.Fits ? $"{l.Cost.LatencyMs:0} | {l.Cost.EnergyMillijoules:0.0}" : "— | —";
                sb.Append(inv, $"| {l.Variant.VariantId} | {l.Variant.Accuracy:P2} | {l.Cost.Macs:N0} | {l.Cost.FlashBytes:N0} | {l.Cost.RamBytes:N0} | {cost} | {(l.FitsDevice ? choice : s.Board.Deployable ? l.Verdict : "not deployable")} |\n");
            }
        }

        var deployable = selections.Where(s => s.Board.Deployable).ToList();
        var universal = variants.Where(v => deployable.All(s => s.Lines.Single(l => l.Variant == v).FitsDevice)).MaxBy(v => v.Accuracy);
        sb.Append(inv, $"\nOne model for every deployable board: {universal?.VariantId ?? "none fits all"} ({universal?.Accuracy:P2}). Plugged-in variant per board, and its gain:\n\n| board | plugged in | accuracy | gain (points) | on battery | accuracy |\n|---|---|---|---|---|---|\n");
        foreach (var s in deployable)
        {
            double gain = ((s.Plugged?.Accuracy ?? 0) - (universal?.Accuracy ?? 0)) * 100;
            sb.Append(inv, $"| {s.Board.Id} | {s.Plugged?.VariantId ?? "none"} | {s.Plugged?.Accuracy:P2} | {gain:+0.00;-0.00;0.00} | {s.Battery?.VariantId ?? "none within budget"} | {s.Battery?.Accuracy:P2} |\n");
        }

        return sb.ToString();
    }

}
