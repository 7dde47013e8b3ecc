using TinyMLOps.Web.Queries;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter suspects`: devices whose query pattern looks like model extraction.</summary>
internal static class MeterSuspectsCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var all = new Option<bool>("--all") { Description = "every evaluated device (default: flagged and cleared ones)" };
        var output = JsonOutput.Option();
        var command = new Command("suspects", "Devices flagged as model-extraction suspects: rate against normal, low-confidence, out-of-distribution and near-duplicate shares") { db, pg, all, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var suspects = (await store.ExtractionSuspectsAsync(ct))
                .Where(s => parse.GetValue(all) || s.State != SuspectStates.Normal)
                .ToList();
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { suspects = await Suspects.ListAsync(store, parse.GetValue(all), ct) });
                return 0;
            }

            if (suspects.Count == 0)
            {
                console.MarkupLine(parse.GetValue(all) ? "no device has been evaluated yet (receipts with signals arrive from firmware 0.4 on)" : "no extraction suspects");
                return 0;
            }

            console.Write(SuspectsView.Table(suspects));
            return 0;
        });
        return command;
    }
}
