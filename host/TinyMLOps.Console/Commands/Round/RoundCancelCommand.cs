using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Round;

/// <summary>`round cancel ID`: stops a round; deltas that arrive later are ignored.</summary>
internal static class RoundCancelCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = RegistryOption.Create("variant registry folder");
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<string>("id") { Description = "the round" };
        var reason = new Option<string>("--reason") { Description = "why", DefaultValueFactory = _ => "operator" };
        var command = new Command("cancel", "Stop a round; deltas that arrive later are ignored") { id, reason, registry, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string roundId = parse.GetValue(id)!;
            var change = await RoundQueries.CancelAsync(store, VariantRegistry.Open(parse.GetValue(registry)!), roundId, parse.GetValue(reason)!, ct)
                ?? throw new ArgumentException($"no round {roundId}");
            console.MarkupLineInterpolated($"round {roundId} {(change.Changed ? "cancelled" : $"had already finished ({change.Record.State})")}");
            return 0;
        });
        return command;
    }
}
