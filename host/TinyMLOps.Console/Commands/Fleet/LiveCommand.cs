using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using static TinyMLOps.Console.Commands.Fleet.FleetCommand;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`live`: the status and the devices, redrawn every second.</summary>
internal static class LiveCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var seconds = new Option<int>("--seconds") { Description = "stop after this many seconds (0: until Ctrl+C)", DefaultValueFactory = _ => 0 };
        var command = new Command("live", "A live view of the fleet, refreshed every second") { db, pg, seconds };
        command.SetAction((parse, ct) => LiveAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(seconds), ct));
        return command;
    }

    public static async Task<int> LiveAsync(IAnsiConsole console, string db, string? pg, int seconds, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var end = seconds > 0 ? DateTime.UtcNow.AddSeconds(seconds) : DateTime.MaxValue;
        await console.Live(new Text("loading…")).StartAsync(async ctx =>
        {
            while (!ct.IsCancellationRequested && DateTime.UtcNow < end)
            {
                var now = DateTimeOffset.UtcNow;
                var counts = await store.CountsAsync(now - OnlineWindow, ct);
                var devices = await store.ListDevicesAsync(null, ct);
                ctx.UpdateTarget(new Rows(FleetView.Status(counts, null, Describe(store, db)), FleetView.Devices(devices, now, OnlineWindow, 20)));
                try
                {
                    await Task.Delay(1000, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
        return 0;
    }
}
