using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant fleet`: which device runs what (plugged and battery variants, the serving role) and rollouts in progress.</summary>
internal static class VariantFleetCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var fleet = new Option<string?>("--fleet") { Description = "only this fleet" };
        var command = new Command("fleet", "Which device runs what: plugged and battery variants, the serving role, and rollouts in progress") { fleet, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var table = new Table().AddColumns("device", "board", "power", "plugged variant", "battery variant", "serving", "last switch", "rollout");
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var d in await store.ListDevicesAsync(parse.GetValue(fleet), ct))
            {
                var reports = await VariantDelivery.SwitchReportsAsync(store, d.DeviceId, 1, ct);
                var last = reports.Count == 0 ? null : reports[^1];
                string serving = last == null ? "-" : VariantAssignment.RoleName(last.Report.ToRole);
                string running = last == null ? string.Empty : last.Report.ToRole == VariantAssignment.RolePlugged ? last.Report.PluggedVariantId : last.Report.BatteryVariantId;
                if (running.Length > 0)
                {
                    counts[running] = counts.GetValueOrDefault(running) + 1;
                }

                var rollout = (await store.DeviceRolloutsAsync(d.DeviceId, ct)).FirstOrDefault();
                table.AddRow(
                    d.DeviceId, d.Board, d.PowerSource switch { 1 => "battery", 2 => "external", _ => "?" },
                    Variant(last?.Report.PluggedVariantId), Variant(last?.Report.BatteryVariantId), serving,
                    last == null ? "-" : $"{VariantSwitchPayload.ReasonName(last.Report.Reason)} {last.ReceivedAt:u}",
                    rollout == null ? "-" : $"#{rollout.RolloutId} {rollout.State}");
            }

            console.Write(table);
            if (counts.Count > 0)
            {
                var chart = new BarChart().Label("devices per serving variant").Width(60);
                foreach (var (variant, n) in counts.OrderByDescending(c => c.Value))
                {
                    chart.AddItem(variant, n, Color.Green);
                }

                console.Write(chart);
            }

            return 0;
        });
        return command;
    }

    private static string Variant(string? id) => string.IsNullOrEmpty(id) ? "-" : id;
}
