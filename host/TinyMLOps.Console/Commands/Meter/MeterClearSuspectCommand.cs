using TinyMLOps.Web.Queries;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter clear-suspect DEVICE`: clears a device's extraction flag, so that it can be granted quota again.</summary>
internal static class MeterClearSuspectCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string>("device") { Description = "device id" };
        var note = new Option<string>("--note") { Description = "why the device is trusted again (kept with the flag)", Required = true };
        var command = new Command("clear-suspect", "Clear a device's extraction flag: it can be granted quota again") { device, db, pg, note };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            await Suspects.ClearAsync(store, id, parse.GetValue(note), DateTimeOffset.UtcNow, ct);
            console.MarkupLineInterpolated($"extraction flag of {id} cleared; it can be granted quota again");
            return 0;
        });
        return command;
    }
}
