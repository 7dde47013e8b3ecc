using TinyMLOps.Web.Contracts;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`fleet consent`: devices per upload category and setting, as their hellos reported it.</summary>
internal static class FleetConsentCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var fleetName = new Option<string?>("--fleet") { Description = "only this fleet" };
        var output = JsonOutput.Option();
        var consent = new Command("consent", "Consent to optional uploads: devices per category and setting, as their hellos reported it") { db, pg, fleetName, output };
        consent.SetAction((parse, ct) => ConsentAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(fleetName), JsonOutput.Wanted(parse.GetValue(output)), ct));
        return consent;
    }

    public static async Task<int> ConsentAsync(IAnsiConsole console, string db, string? pg, string? fleet, bool json, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var consent = await store.FleetConsentAsync(fleet, ct);
        if (json)
        {
            JsonOutput.Write(console, ConsentJson.Of(consent));
            return 0;
        }

        console.Write(FleetView.Consent(consent));
        int devices = consent.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal).Count();
        console.MarkupLineInterpolated($"{devices} devices reported their consent");
        return 0;
    }
}
