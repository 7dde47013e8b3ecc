using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter clear DEVICE`: clears a ledger flag; the held receipts become billable or are written off.</summary>
internal static class MeterClearCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string>("device") { Description = "device id" };
        var note = new Option<string>("--note") { Description = "why the flag is cleared (kept in the ledger)", Required = true };
        var writeOff = new Option<bool>("--write-off") { Description = "do not bill the receipts held while flagged" };
        var command = new Command("clear", "Clear a device's ledger flag: its held receipts become billable (or are written off)") { device, db, pg, note, writeOff };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            bool bill = !parse.GetValue(writeOff);
            int changed = await store.ClearMeterFlagAsync(id, parse.GetValue(note)!, bill, DateTimeOffset.UtcNow, ct);
            if (changed < 0)
            {
                throw new InvalidOperationException($"device '{id}' is not flagged");
            }

            console.MarkupLineInterpolated($"flag of {id} cleared; {changed:N0} held receipts {(bill ? "are now billable" : "written off")}");
            return 0;
        });
        return command;
    }
}
