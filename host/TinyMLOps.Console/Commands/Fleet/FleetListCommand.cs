using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using static TinyMLOps.Console.Commands.Fleet.FleetCommand;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`fleet ls`: the devices with board, firmware, model, power, outbox and when they were last seen.</summary>
internal static class FleetListCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var fleetName = new Option<string?>("--fleet") { Description = "only this fleet" };
        var ls = new Command("ls", "List devices: board, firmware, model, power, outbox, last seen") { db, pg, fleetName };
        ls.SetAction((parse, ct) => ListAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(fleetName), ct));
        return ls;
    }

    public static async Task<int> ListAsync(IAnsiConsole console, string db, string? pg, string? fleet, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var devices = await store.ListDevicesAsync(fleet, ct);
        console.Write(FleetView.Devices(devices, DateTimeOffset.UtcNow, OnlineWindow));
        console.MarkupLineInterpolated($"{devices.Count} devices");
        return 0;
    }
}
