using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Web.Queries;

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
            foreach (var d in await VariantQueries.FleetAsync(store, parse.GetValue(fleet), ct))
            {
                if (d.Running is { } running)
                {
                    counts[running] = counts.GetValueOrDefault(running) + 1;
                }

                table.AddRow(
                    TerminalText.Markup(d.DeviceId), TerminalText.Markup(d.Board), d.Power == "unknown" ? "?" : TerminalText.Markup(d.Power), TerminalText.Markup(d.PluggedVariant ?? "-"),
                    TerminalText.Markup(d.BatteryVariant ?? "-"), TerminalText.Markup(d.Serving ?? "-"),
                    d.LastSwitchAt is { } at ? TerminalText.Markup($"{d.LastSwitchReason} {at:u}") : "-",
                    d.RolloutId is { } rollout ? TerminalText.Markup($"#{rollout} {d.RolloutState}") : "-");
            }

            console.Write(table);
            if (counts.Count > 0)
            {
                var chart = new BarChart().Label("devices per serving variant").Width(60);
                foreach (var (variant, n) in counts.OrderByDescending(c => c.Value))
                {
                    chart.AddItem(TerminalText.Markup(variant), n, Color.Green);
                }

                console.Write(chart);
            }

            return 0;
        });
        return command;
    }
}
