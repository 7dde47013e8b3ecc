using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Round;

/// <summary>`round status [ID]`: a round's progress (participants, deltas, bytes) and its release gate per class, redrawn with --watch.</summary>
internal static class RoundStatusCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = RegistryOption.Create("variant registry folder");
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<string?>("id") { Description = "the round (default: the newest)", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch") { Description = "redraw every 2 s until the round ends" };
        var output = JsonOutput.Option();
        var command = new Command("status", "A round's progress: participants, deltas, bytes, and the release gate per class") { id, watch, registry, db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            bool json = JsonOutput.Wanted(parse.GetValue(output));
            if (json && parse.GetValue(watch))
            {
                throw new ArgumentException("--watch redraws a view: use it without --output json");
            }

            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string roundId = parse.GetValue(id) ?? (await store.ListRoundsAsync(cancellationToken: ct)).FirstOrDefault()?.RoundId
                ?? throw new ArgumentException("no rounds yet: start one with `tinymlops round start VARIANT`");
            var status = await RoundQueries.StatusAsync(store, roundId, ct) ?? throw new ArgumentException($"no round {roundId}");
            if (json)
            {
                JsonOutput.Write(console, RoundJson.Status.Of(status));
                return 0;
            }

            if (!parse.GetValue(watch) || RoundStates.IsFinished(status.Round.State))
            {
                console.Write(RoundView.View(status, DateTimeOffset.UtcNow));
                return 0;
            }

            await console.Live(RoundView.View(status, DateTimeOffset.UtcNow)).StartAsync(async live =>
            {
                while (!ct.IsCancellationRequested && !RoundStates.IsFinished(status.Round.State))
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), ct);
                    status = await RoundQueries.StatusAsync(store, roundId, ct) ?? status;
                    live.UpdateTarget(RoundView.View(status, DateTimeOffset.UtcNow));
                }
            });
            return 0;
        });
        return command;
    }
}
