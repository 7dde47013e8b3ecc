using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;
using static TinyMLOps.Console.Commands.Variant.VariantRolloutCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant rollouts [ID]`: the rollouts with their stage and state, or one in detail with its devices and health.</summary>
internal static class VariantRolloutsCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<long?>("id") { Description = "one rollout: its devices and health", Arity = ArgumentArity.ZeroOrOne };
        var output = JsonOutput.Option();
        var command = new Command("rollouts", "Rollouts with their stage and state, or one rollout in detail") { id, registry, db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            bool json = JsonOutput.Wanted(parse.GetValue(output));
            if (parse.GetValue(id) is not { } one)
            {
                if (json)
                {
                    JsonOutput.Write(console, new { rollouts = await RolloutQueries.ListAsync(store, ct) });
                    return 0;
                }

                var table = new Table().AddColumns("id", "variant", "role", "cohort", "stage", "state", "devices", "reason");
                foreach (var r in await RolloutQueries.ListAsync(store, ct))
                {
                    table.AddRow(
                        r.RolloutId.ToString(CultureInfo.InvariantCulture), TerminalText.Markup($"{r.VariantId} v{r.Version}"), TerminalText.Markup(r.Role), TerminalText.Markup(Cohort(r.Fleet, r.Board)),
                        TerminalText.Markup($"{r.Percent}% of {string.Join(',', r.Stages)}"), TerminalText.Markup(r.State), TerminalText.Markup(string.Join(", ", r.DevicesByState.Select(g => $"{g.Value} {g.Key}"))), TerminalText.Markup(r.Reason));
                }

                console.Write(table);
                return 0;
            }

            var status = await RolloutQueries.StatusAsync(store, VariantRegistry.Open(parse.GetValue(registry)!), one, ct) ?? throw new ArgumentException($"no rollout {one}");
            if (json)
            {
                JsonOutput.Write(console, RolloutJson.Detail.Of(status));
                return 0;
            }

            var rollout = status.Rollout;
            console.MarkupLineInterpolated($"rollout [bold]{rollout.RolloutId}[/]: {rollout.VariantId} v{rollout.Version} ({rollout.ContentHash[..12]}…) to the {VariantAssignment.RoleName(rollout.Role)} role of {Cohort(rollout.Fleet, rollout.Board)}");
            console.MarkupLineInterpolated($"stage {rollout.Percent}% of {rollout.Stages}; [bold]{rollout.State}[/]: {rollout.Reason}");
            var health = new Table().AddColumns("", "devices", "inferences", "errors", "error rate", "mean confidence", "drift");
            foreach (var (name, h) in new[] { ("new variant", status.Candidate), ("previous variants", status.Baseline) })
            {
                health.AddRow(name, h.Devices.ToString(CultureInfo.InvariantCulture), h.Inferences.ToString("N0", CultureInfo.InvariantCulture), h.Errors.ToString("N0", CultureInfo.InvariantCulture),
                    h.ErrorRate.ToString("P2", CultureInfo.InvariantCulture), h.MeanConfidence.ToString("0.000", CultureInfo.InvariantCulture), h.Drift?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-");
            }

            console.Write(health);
            console.MarkupLineInterpolated($"verdict: {status.Verdict.Reason}");
            var table2 = new Table().AddColumns("device", "state", "previous", "assigned", "installed", "detail");
            foreach (var d in status.Devices)
            {
                table2.AddRow(TerminalText.Markup(d.DeviceId), TerminalText.Markup(d.State), d.PreviousVariant.Length == 0 ? "-" : TerminalText.Markup(d.PreviousVariant), d.AssignedAt.ToString("u", CultureInfo.InvariantCulture),
                    d.InstalledAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-", TerminalText.Markup(d.Detail));
            }

            console.Write(table2);
            return 0;
        });
        return command;
    }
}
