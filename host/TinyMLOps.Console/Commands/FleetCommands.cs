using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands;

/// <summary>`fleet ls`, `device show ID`, `status` and `live`: the engineers' view of the store.</summary>
internal static class FleetCommands
{
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromMinutes(3);

    public static Command Fleet(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var fleetName = new Option<string?>("--fleet") { Description = "only this fleet" };
        var ls = new Command("ls", "List devices: board, firmware, model, power, outbox, last seen") { db, pg, fleetName };
        ls.SetAction((parse, ct) => ListAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(fleetName), ct));
        var consent = new Command("consent", "Consent to optional uploads: devices per category and setting, as their hellos reported it") { db, pg, fleetName };
        consent.SetAction((parse, ct) => ConsentAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(fleetName), ct));
        return new Command("fleet", "The device registry") { ls, consent, TelemetryCommands.Build(console) };
    }

    public static Command Device(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<string>("id") { Description = "device id" };
        var show = new Command("show", "One device: identity, capabilities, state, recent uplink and pending commands") { id, db, pg };
        show.SetAction((parse, ct) => ShowAsync(console, parse.GetValue(id)!, parse.GetValue(db)!, parse.GetValue(pg), ct));
        return new Command("device", "One device") { show };
    }

    public static Command Status(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var command = new Command("status", "Fleet totals: devices online, messages, rejects, pending commands") { db, pg };
        command.SetAction((parse, ct) => StatusAsync(console, parse.GetValue(db)!, parse.GetValue(pg), ct));
        return command;
    }

    public static Command Live(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var seconds = new Option<int>("--seconds") { Description = "stop after this many seconds (0: until Ctrl+C)", DefaultValueFactory = _ => 0 };
        var command = new Command("live", "A live view of the fleet, refreshed every second") { db, pg, seconds };
        command.SetAction((parse, ct) => LiveAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(seconds), ct));
        return command;
    }

    public static async Task<int> ListAsync(IAnsiConsole console, string db, string? pg, string? fleet, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var devices = await store.ListDevicesAsync(fleet, ct);
        console.Write(FleetView.Devices(devices, DateTimeOffset.UtcNow, OnlineWindow));
        console.MarkupLineInterpolated($"{devices.Count} devices");
        return 0;
    }

    public static async Task<int> ShowAsync(IAnsiConsole console, string id, string db, string? pg, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var device = await store.GetDeviceAsync(id, ct) ?? throw new ArgumentException($"no device '{id}' in the registry (see `tinymlops fleet ls`)");
        var recent = await store.MessagesAsync(id, null, 1000, ct);
        var pending = await store.PendingCommandsAsync(id, ct);
        var consent = await store.ConsentAsync(id, ct);
        var stale = await TinyMLOps.Fleet.Rollouts.StaleImageCheck.CheckAsync(store, id, ct);
        console.Write(FleetView.Device(device, recent, pending, DateTimeOffset.UtcNow, consent, stale));
        var telemetry = await store.VariantTelemetryAsync(new VariantTelemetryQuery { DeviceId = id }, ct);
        if (telemetry.Count > 0)
        {
            console.Write(TelemetryView.Device(telemetry));
        }

        return 0;
    }

    public static async Task<int> ConsentAsync(IAnsiConsole console, string db, string? pg, string? fleet, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var consent = await store.FleetConsentAsync(fleet, ct);
        console.Write(FleetView.Consent(consent));
        int devices = consent.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal).Count();
        console.MarkupLineInterpolated($"{devices} devices reported their consent");
        return 0;
    }

    public static async Task<int> StatusAsync(IAnsiConsole console, string db, string? pg, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var counts = await store.CountsAsync(DateTimeOffset.UtcNow - OnlineWindow, ct);
        console.Write(FleetView.Status(counts, null, Describe(store, db)));
        var rejects = await store.RejectsAsync(10, ct);
        if (rejects.Count > 0)
        {
            console.Write(FleetView.Rejects(rejects));
        }

        return 0;
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

    public static string Describe(IFleetStore store, string db) => store.Engine == "sqlite" ? $"SQLite {Path.GetFullPath(db)}" : "PostgreSQL";
}
