using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Rendering;

/// <summary>Model-extraction suspects as a table: `meter suspects` and the end of `demo`.</summary>
internal static class SuspectsView
{
    /// <summary>The suspects with their rates, shares as bars and quota state, then why each flagged one is flagged.</summary>
    public static IRenderable Table(IEnumerable<ExtractionSuspectRecord> suspects)
    {
        var list = suspects.ToList();
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("device", "state", "model", "observed", "rate / h", "vs own", "vs fleet", "low conf.", "out of dist.", "near dup.", "quota");
        foreach (var s in list)
        {
            string state = s.State switch
            {
                SuspectStates.Flagged => "[red]flagged[/]",
                SuspectStates.Cleared => "[yellow]cleared[/]",
                _ => "[green]normal[/]",
            };
            table.AddRow(
                TerminalText.Markup(s.DeviceId),
                state,
                TerminalText.Markup(s.ModelId),
                s.Observed.ToString("N0", CultureInfo.InvariantCulture),
                s.RatePerHour.ToString("N0", CultureInfo.InvariantCulture),
                Ratio(s.RatePerHour, s.BaselinePerHour),
                Ratio(s.RatePerHour, s.FleetPerHour),
                ShareBar(s.LowShare),
                ShareBar(s.OodShare),
                ShareBar(s.DupShare),
                s.QuotaCut ? "[red]cut[/]" : "ok");
        }

        var rows = new List<IRenderable> { table };
        rows.AddRange(list.Where(s => s.State != SuspectStates.Normal).Select(s => new Markup($"[bold]{TerminalText.Markup(s.DeviceId)}[/]: {TerminalText.Markup(s.Reasons)}")));
        return new Rows(rows);
    }

    /// <summary>"12.3x", red from 5x; "-" without a reference rate.</summary>
    private static string Ratio(double rate, double reference)
    {
        if (reference <= 0)
        {
            return "-";
        }

        double r = rate / reference;
        string text = r.ToString("F1", CultureInfo.InvariantCulture) + "x";
        return r >= 5 ? $"[red]{text}[/]" : text;
    }

    /// <summary>A five-cell bar and the percentage, red from 25 %.</summary>
    private static string ShareBar(double share)
    {
        int cells = (int)Math.Round(Math.Clamp(share, 0, 1) * 5, MidpointRounding.AwayFromZero);
        string bar = new string('█', cells) + new string('░', 5 - cells);
        string text = $"{bar} {share.ToString("P0", CultureInfo.InvariantCulture)}";
        return share >= 0.25 ? $"[red]{text}[/]" : text;
    }
}
