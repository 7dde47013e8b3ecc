using TinyMLOps.Web.Queries;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`device show ID`: one device's identity, capabilities, state, recent uplink, pending commands and telemetry.</summary>
internal static class DeviceCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<string>("id") { Description = "device id" };
        var output = JsonOutput.Option();
        var show = new Command("show", "One device: identity, capabilities, state, recent uplink and pending commands") { id, db, pg, output };
        show.SetAction((parse, ct) => ShowAsync(console, parse.GetValue(id)!, parse.GetValue(db)!, parse.GetValue(pg), JsonOutput.Wanted(parse.GetValue(output)), ct));
        return new Command("device", "One device") { show };
    }

    public static async Task<int> ShowAsync(IAnsiConsole console, string id, string db, string? pg, bool json, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var d = await DeviceDetail.LoadAsync(store, id, ct) ?? throw new ArgumentException($"no device '{id}' in the registry (see `tinymlops fleet ls`)");
        if (json)
        {
            JsonOutput.Write(console, d.ToJson(DateTimeOffset.UtcNow, FleetCommand.OnlineWindow));
            return 0;
        }

        console.Write(FleetView.Device(d.Device, d.Recent, d.Pending, DateTimeOffset.UtcNow, d.Consent, d.Stale));
        if (d.Telemetry.Count > 0)
        {
            console.Write(TelemetryView.Device(d.Telemetry));
        }

        return 0;
    }
}
