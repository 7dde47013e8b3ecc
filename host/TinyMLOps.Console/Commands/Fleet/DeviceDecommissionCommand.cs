using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Provisioning;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`device decommission ID --reason TEXT`: take a device out of service; see <see cref="Decommissioner"/>.</summary>
internal static class DeviceDecommissionCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<string>("id") { Description = "device id" };
        var reason = new Option<string>("--reason") { Description = "why (kept with the device's record)", Required = true };
        var output = JsonOutput.Option();
        var command = new Command("decommission", "Take a device out of service: revoke its MQTT credential, reject its messages, take it out of rollouts, rounds and fleet ls (provision --force reinstates it)")
        {
            id, reason, db, pg, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var result = await new Decommissioner(store).DecommissionAsync(parse.GetValue(id)!, parse.GetValue(reason)!, ct);
            var d = result.Device;
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { deviceId = d.DeviceId, decommissionedAt = d.DecommissionedAt, reason = d.DecommissionReason, already = result.AlreadyDecommissioned, rolloutsLeft = result.RolloutsLeft, roundsLeft = result.RoundsLeft });
                return 0;
            }

            if (result.AlreadyDecommissioned)
            {
                console.MarkupLineInterpolated($"{d.DeviceId} was already decommissioned on {d.DecommissionedAt:u} ({d.DecommissionReason}).");
                return 0;
            }

            console.MarkupLineInterpolated($"{d.DeviceId} decommissioned ({d.DecommissionReason}): MQTT credential revoked, left {result.RolloutsLeft.Count} rollout(s) and {result.RoundsLeft.Count} round(s).");
            console.MarkupLine("A running `tinymlops serve` with the embedded broker disconnects it within seconds; with an external broker, remove its login there too (docs/operations.md).");
            return 0;
        });
        return command;
    }
}
