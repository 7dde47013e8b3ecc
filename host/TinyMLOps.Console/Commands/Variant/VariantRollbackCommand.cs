using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Queries;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant rollback ID`: a rollout's devices return to the variant they ran before.</summary>
internal static class VariantRollbackCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<long>("id") { Description = "rollout id" };
        var reason = new Option<string>("--reason") { Description = "why, for the record", DefaultValueFactory = _ => "operator request" };
        var command = new Command("rollback", "Roll a rollout back: its devices return to the variant they ran before") { id, reason, registry, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            long rolloutId = parse.GetValue(id);
            var change = await RolloutQueries.RollBackAsync(store, VariantRegistry.Open(parse.GetValue(registry)!), rolloutId, parse.GetValue(reason)!, ct)
                ?? throw new ArgumentException($"no rollout {rolloutId}");
            console.MarkupLineInterpolated($"rollout {rolloutId}: {change.Record.State} ({change.Record.Reason}); the host service sends the rollback commands.");
            return 0;
        });
        return command;
    }
}
