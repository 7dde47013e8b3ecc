using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant rollout`: a staged rollout recorded in the store; the host service carries it out with <see cref="RolloutController"/>.</summary>
internal static class VariantRolloutCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var variant = new Argument<string>("variant") { Description = "variant id in the registry" };
        var version = new Option<int?>("--version") { Description = "variant version (default: the newest)" };
        var role = new Option<string>("--role") { Description = "plugged or battery", DefaultValueFactory = _ => "plugged" };
        var fleet = new Option<string?>("--fleet") { Description = "only devices of this fleet" };
        var board = new Option<string?>("--board") { Description = "only devices of this board (boards/*.json id)" };
        var cohort = new Option<string?>("--cohort") { Description = "only devices whose tags match this expression, e.g. \"outdoor and (site=berlin or site=paris) and not beta\"; devices that match later join" };
        var stages = new Option<string>("--stages") { Description = "percentages of the cohort per stage, ascending, ending at 100", DefaultValueFactory = _ => "10,50,100" };
        var soak = new Option<string>("--soak") { Description = "time a stage must run healthy before the next (30m, 1h, 1d)", DefaultValueFactory = _ => "1h" };
        var minInferences = new Option<long>("--min-inferences") { Description = "pooled inferences on the new variant before it is judged", DefaultValueFactory = _ => new RolloutPolicy().MinInferences };
        var maxErrors = new Option<double>("--max-error-rate") { Description = "error share that rolls back", DefaultValueFactory = _ => new RolloutPolicy().MaxErrorRate };
        var maxDrop = new Option<double>("--max-confidence-drop") { Description = "drop of mean top-1 confidence against the old variant that rolls back", DefaultValueFactory = _ => new RolloutPolicy().MaxConfidenceDrop };
        var command = new Command("rollout", "Start a staged rollout of a variant to one role of a cohort; the host service carries it out and rolls back on bad health")
        {
            variant, version, role, fleet, board, cohort, stages, soak, minInferences, maxErrors, maxDrop, registry, db, pg,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            await store.MigrateAsync(ct);
            var start = new RolloutStart
            {
                VariantId = parse.GetValue(variant)!,
                Version = parse.GetValue(version),
                Role = ParseRoleOption(parse.GetValue(role)!),
                Fleet = parse.GetValue(fleet),
                Board = parse.GetValue(board),
                Cohort = parse.GetValue(cohort),
                Stages = parse.GetValue(stages)!,
                Soak = parse.GetValue(soak)!,
                MinInferences = parse.GetValue(minInferences),
                MaxErrorRate = parse.GetValue(maxErrors),
                MaxConfidenceDrop = parse.GetValue(maxDrop),
            };
            var rollout = await RolloutQueries.StartAsync(store, VariantRegistry.Open(parse.GetValue(registry)!), start, ct);
            console.MarkupLineInterpolated($"rollout [bold]{rollout.RolloutId}[/]: {rollout.VariantId} v{rollout.Version} to the {VariantAssignment.RoleName(rollout.Role)} role of {Cohort(rollout.Fleet, rollout.Board, rollout.Cohort)}, stages {rollout.Stages}%, soak {RolloutPolicy.FromJson(rollout.Policy).Soak}");
            console.MarkupLine("The host service (`tinymlops serve --registry ...`) delivers it; follow it with `tinymlops variant rollouts " + rollout.RolloutId + "`.");
            return 0;
        });
        return command;
    }

    /// <summary>The role as the option names it in its error, passed on by name.</summary>
    private static string ParseRoleOption(string role) => VariantAssignment.RoleName(OptionValues.ParseRole(role));

    public static string Cohort(string? fleet, string? board, string? tags = null) =>
        $"{(fleet == null ? "every fleet" : $"fleet {fleet}")}, {(board == null ? "every board" : $"board {board}")}{(tags == null ? string.Empty : $", tags {tags}")}";
}
