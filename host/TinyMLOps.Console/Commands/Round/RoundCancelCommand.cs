using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using static TinyMLOps.Console.Commands.Round.RoundCommand;

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
            await Coordinator(store, parse.GetValue(registry)!).CancelAsync(parse.GetValue(id)!, parse.GetValue(reason)!, ct);
            console.MarkupLineInterpolated($"round {parse.GetValue(id)} cancelled");
            return 0;
        });
        return command;
    }
}
