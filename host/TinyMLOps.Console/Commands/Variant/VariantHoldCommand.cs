using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;
using static TinyMLOps.Console.Commands.Variant.VariantRolloutCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant pause|resume|abort ID`: hold a rollout where it stands, continue it, or stop it without rolling back.</summary>
internal static class VariantHoldCommand
{
    public static Command Pause(IAnsiConsole console) => Build(
        console,
        "pause",
        "Pause a rollout: no new devices, no next stage, no health verdict until resumed (rollback and abort stay possible)",
        withReason: true,
        (c, id, reason, ct) => c.PauseAsync(id, reason, ct));

    public static Command Resume(IAnsiConsole console) => Build(
        console,
        "resume",
        "Resume a paused rollout at the stage it stopped (the stage's soak starts again)",
        withReason: false,
        (c, id, _, ct) => c.ResumeAsync(id, ct));

    public static Command Abort(IAnsiConsole console) => Build(
        console,
        "abort",
        "Stop a rollout without rolling back: devices keep what they installed, pending deliveries are cancelled",
        withReason: true,
        (c, id, reason, ct) => c.AbortAsync(id, reason, ct));

    private static Command Build(IAnsiConsole console, string name, string description, bool withReason, Func<RolloutController, long, string, CancellationToken, Task<RolloutRecord>> act)
    {
        var registry = Registry();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<long>("id") { Description = "rollout id" };
        var reason = new Option<string>("--reason") { Description = "why, for the record", DefaultValueFactory = _ => string.Empty };
        var command = new Command(name, description) { id, registry, db, pg };
        if (withReason)
        {
            command.Options.Add(reason);
        }

        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var rollout = await act(TinyMLOps.Web.Queries.FleetControllers.Rollouts(store, TinyMLOps.Modelling.Variants.VariantRegistry.Open(parse.GetValue(registry)!)), parse.GetValue(id), withReason ? parse.GetValue(reason)! : string.Empty, ct);
            console.MarkupLineInterpolated($"rollout {rollout.RolloutId} ({rollout.VariantId} v{rollout.Version}): [bold]{rollout.State}[/] ({rollout.Reason})");
            return 0;
        });
        return command;
    }
}
