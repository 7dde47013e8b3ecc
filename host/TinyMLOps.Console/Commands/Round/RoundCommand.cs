using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Fleet.Federated.Rounds;

namespace TinyMLOps.Console.Commands.Round;

/// <summary>
/// `round start|status|history|cancel`: federated rounds recorded in the store; the host service
/// (<see cref="RoundCoordinator"/>) invites, collects, aggregates, evaluates and releases them.
/// </summary>
internal static class RoundCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var round = new Command("round", "Federated rounds: devices train the model's head on local labels and upload compressed deltas");
        round.Subcommands.Add(RoundStartCommand.Build(console));
        round.Subcommands.Add(RoundStatusCommand.Build(console));
        round.Subcommands.Add(RoundHistoryCommand.Build(console));
        round.Subcommands.Add(RoundCancelCommand.Build(console));
        return round;
    }
}
