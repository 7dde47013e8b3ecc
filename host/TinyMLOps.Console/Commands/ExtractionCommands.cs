using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands;

/// <summary>`meter suspects` and `meter clear-suspect`: devices whose query pattern looks like model extraction.</summary>
internal static class ExtractionCommands
{
    public static Command Suspects(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var all = new Option<bool>("--all") { Description = "every evaluated device (default: flagged and cleared ones)" };
        var command = new Command("suspects", "Devices flagged as model-extraction suspects: rate against normal, low-confidence, out-of-distribution and near-duplicate shares") { db, pg, all };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var suspects = (await store.ExtractionSuspectsAsync(ct))
                .Where(s => parse.GetValue(all) || s.State != SuspectStates.Normal)
                .ToList();
            if (suspects.Count == 0)
            {
                console.MarkupLine(parse.GetValue(all) ? "no device has been evaluated yet (receipts with signals arrive from firmware 0.4 on)" : "no extraction suspects");
                return 0;
            }

            console.Write(Table(suspects));
            return 0;
        });
        return command;
    }

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
                Markup.Escape(s.DeviceId),
                state,
                Markup.Escape(s.ModelId),
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
        rows.AddRange(list.Where(s => s.State != SuspectStates.Normal).Select(s => new Markup($"[bold]{Markup.Escape(s.DeviceId)}[/]: {Markup.Escape(s.Reasons)}")));
        return new Rows(rows);
    }

    public static Command Clear(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string>("device") { Description = "device id" };
        var note = new Option<string>("--note") { Description = "why the device is trusted again (kept with the flag)", Required = true };
        var command = new Command("clear-suspect", "Clear a device's extraction flag: it can be granted quota again") { device, db, pg, note };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            if (!await store.ClearExtractionSuspectAsync(id, parse.GetValue(note)!, DateTimeOffset.UtcNow, ct))
            {
                throw new InvalidOperationException($"device '{id}' is not flagged as an extraction suspect");
            }

            console.MarkupLineInterpolated($"extraction flag of {id} cleared; it can be granted quota again");
            return 0;
        });
        return command;
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
