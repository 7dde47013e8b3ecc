using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;
using static TinyMLOps.Console.Commands.Fleet.FleetCommand;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`status`: fleet totals (devices online, messages, rejects, pending commands) and the recent rejects.</summary>
internal static class StatusCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var output = JsonOutput.Option();
        var command = new Command("status", "Fleet totals: devices online, messages, rejects, pending commands") { db, pg, output };
        command.SetAction((parse, ct) => StatusAsync(console, parse.GetValue(db)!, parse.GetValue(pg), JsonOutput.Wanted(parse.GetValue(output)), ct));
        return command;
    }

    public static async Task<int> StatusAsync(IAnsiConsole console, string db, string? pg, bool json, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var (counts, rejects) = await StatusQuery.ReadAsync(store, OnlineWindow, ct);
        if (json)
        {
            JsonOutput.Write(console, StatusJson.Of(Describe(store, db), counts, rejects));
            return 0;
        }

        console.Write(FleetView.Status(counts, null, Describe(store, db)));
        if (rejects.Count > 0)
        {
            console.Write(FleetView.Rejects(rejects));
        }

        return 0;
    }
}
