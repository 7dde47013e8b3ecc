using TinyMLOps.Web.Queries;
using TinyMLOps.Web.Contracts;
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
        var board = new Option<string?>("--board") { Description = "only this board" };
        var online = new Option<bool>("--online") { Description = "only devices seen in the last " + OnlineWindow.TotalMinutes + " minutes" };
        var sort = new Option<string>("--sort") { Description = "id (default), last-seen (newest first), board, dropped (most first) or outbox (fullest first)", DefaultValueFactory = _ => "id" };
        sort.AcceptOnlyFromAmong("id", "last-seen", "board", "dropped", "outbox");
        var limit = new Option<int?>("--limit") { Description = "at most this many devices" };
        var output = JsonOutput.Option();
        var ls = new Command("ls", "List devices: board, firmware, kernels, model, power, outbox, last seen") { db, pg, fleetName, board, online, sort, limit, output };
        ls.SetAction((parse, ct) => ListAsync(
            console,
            parse.GetValue(db)!,
            parse.GetValue(pg),
            new DeviceQuery(parse.GetValue(fleetName), parse.GetValue(board), parse.GetValue(online), parse.GetValue(sort)!, parse.GetValue(limit)),
            JsonOutput.Wanted(parse.GetValue(output)),
            ct));
        return ls;
    }

    public static async Task<int> ListAsync(IAnsiConsole console, string db, string? pg, DeviceQuery query, bool json, CancellationToken ct)
    {
        if (query.Limit is < 0)
        {
            throw new ArgumentException("--limit must be 0 or more");
        }

        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var now = DateTimeOffset.UtcNow;
        var all = await store.ListDevicesAsync(query.Fleet, ct);
        var devices = query.Apply(all, now, OnlineWindow);
        if (json)
        {
            JsonOutput.Write(console, new { total = all.Count, shown = devices.Count, devices = devices.Select(d => DeviceJson.Of(d, now, OnlineWindow)) });
            return 0;
        }

        console.Write(FleetView.Devices(devices, now, OnlineWindow, keepOrder: true));
        console.MarkupLineInterpolated($"{devices.Count} of {all.Count} devices");
        return 0;
    }
}
