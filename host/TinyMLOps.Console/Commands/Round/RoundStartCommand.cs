using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Round;

/// <summary>`round start VARIANT`: records a round; the host service invites eligible devices and carries it to a gated release.</summary>
internal static class RoundStartCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = RegistryOption.Create("variant registry folder");
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var defaults = new RoundConfig();
        var variant = new Argument<string>("variant") { Description = "base variant id in the registry (the model the devices run)" };
        var version = new Option<int?>("--version") { Description = "base variant version (default: the newest)" };
        var id = new Option<string?>("--id") { Description = "round id (default: r1, r2, ...)" };
        var role = new Option<string>("--role") { Description = "plugged or battery", DefaultValueFactory = _ => "plugged" };
        var fleet = new Option<string?>("--fleet") { Description = "only devices of this fleet" };
        var board = new Option<string?>("--board") { Description = "only devices of this board" };
        var cohort = new Option<string?>("--cohort") { Description = "only devices whose tags match this expression (\"outdoor and not beta\"); matching devices that appear while the round collects are invited" };
        var strategy = new Option<string>("--strategy") { Description = $"aggregation: {string.Join(", ", StrategyFactory.Names)}", DefaultValueFactory = _ => defaults.Strategy };
        var trim = new Option<double>("--trim") { Description = "trimmed mean: fraction cut per side", DefaultValueFactory = _ => defaults.TrimFraction };
        var dpNoise = new Option<double>("--dp-noise") { Description = "differential privacy: Gaussian noise multiplier (0: off)", DefaultValueFactory = _ => defaults.DpNoiseMultiplier };
        var dpClip = new Option<double>("--dp-clip") { Description = "differential privacy: per-update clipping norm", DefaultValueFactory = _ => defaults.DpClipNorm };
        var min = new Option<int>("--min") { Description = "fewest deltas the round aggregates", DefaultValueFactory = _ => defaults.MinParticipants };
        var target = new Option<int>("--target") { Description = "devices invited", DefaultValueFactory = _ => defaults.TargetParticipants };
        var deadline = new Option<string>("--deadline") { Description = "time to collect deltas (90s, 30m, 1h)", DefaultValueFactory = _ => "30m" };
        var anyPower = new Option<bool>("--on-battery") { Description = "let devices on battery train (above --min-battery); default: plugged in only" };
        var minBattery = new Option<int>("--min-battery") { Description = "with --on-battery: the least charge in %", DefaultValueFactory = _ => defaults.MinBatteryPercent };
        var idle = new Option<int>("--idle") { Description = "seconds without an inference before a device trains", DefaultValueFactory = _ => defaults.IdleSeconds };
        var minSamples = new Option<int>("--min-samples") { Description = "labelled samples a device needs", DefaultValueFactory = _ => defaults.MinSamples };
        var maxSamples = new Option<int>("--max-samples") { Description = "most recent samples a device trains on", DefaultValueFactory = _ => defaults.MaxSamples };
        var layers = new Option<int>("--layers") { Description = "trailing dense layers trained on the device", DefaultValueFactory = _ => defaults.Layers };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => defaults.Epochs, Description = "local epochs" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => defaults.BatchSize, Description = "local batch size" };
        var lr = new Option<float>("--lr") { DefaultValueFactory = _ => defaults.LearningRate, Description = "local learning rate" };
        var mu = new Option<float>("--mu") { DefaultValueFactory = _ => defaults.ProximalMu, Description = "FedProx proximal term on the device (0: off)" };
        var clip = new Option<float>("--clip") { DefaultValueFactory = _ => defaults.ClipNorm, Description = "L2 bound of a device's update" };
        var keep = new Option<float>("--keep") { DefaultValueFactory = _ => defaults.KeepFraction, Description = "top-k fraction sent per tensor (1: dense int8)" };
        var noFeedback = new Option<bool>("--no-error-feedback") { Description = "drop what top-k leaves out instead of carrying it to the next round" };
        var maxDrop = new Option<double>("--max-class-drop") { Description = "release gate: points any class may lose on the held-out set", DefaultValueFactory = _ => defaults.MaxClassDropPoints };
        var minGain = new Option<double>("--min-gain") { Description = "release gate: points the overall accuracy must gain", DefaultValueFactory = _ => defaults.MinGainPoints };
        var noRollout = new Option<bool>("--no-rollout") { Description = "register a passing candidate without rolling it out" };
        var stages = new Option<string>("--stages") { Description = "rollout stages of a passing candidate", DefaultValueFactory = _ => defaults.RolloutStages };
        var soak = new Option<string>("--soak") { Description = "rollout: healthy time per stage before the next (30m, 1h)", DefaultValueFactory = _ => "1h" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => defaults.Seed, Description = "seed of the devices' training" };
        var command = new Command("start", "Record a round; the host service invites eligible devices and carries it to a gated release")
        {
            variant, version, id, role, fleet, board, cohort, strategy, trim, dpNoise, dpClip, min, target, deadline, anyPower, minBattery, idle, minSamples, maxSamples,
            layers, epochs, batch, lr, mu, clip, keep, noFeedback, maxDrop, minGain, noRollout, stages, soak, seed, registry, db, pg,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            await store.MigrateAsync(ct);
            var start = new RoundStart
            {
                Id = parse.GetValue(id),
                VariantId = parse.GetValue(variant)!,
                Version = parse.GetValue(version),
                Role = VariantAssignment.RoleName(OptionValues.ParseRole(parse.GetValue(role)!)),
                Fleet = parse.GetValue(fleet),
                Board = parse.GetValue(board),
                Cohort = parse.GetValue(cohort),
                Strategy = parse.GetValue(strategy)!,
                TrimFraction = parse.GetValue(trim),
                DpNoiseMultiplier = parse.GetValue(dpNoise),
                DpClipNorm = parse.GetValue(dpClip),
                MinParticipants = parse.GetValue(min),
                TargetParticipants = parse.GetValue(target),
                Deadline = parse.GetValue(deadline)!,
                RequirePlugged = !parse.GetValue(anyPower),
                MinBatteryPercent = parse.GetValue(minBattery),
                IdleSeconds = parse.GetValue(idle),
                MinSamples = parse.GetValue(minSamples),
                MaxSamples = parse.GetValue(maxSamples),
                Layers = parse.GetValue(layers),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                ProximalMu = parse.GetValue(mu),
                ClipNorm = parse.GetValue(clip),
                KeepFraction = parse.GetValue(keep),
                ErrorFeedback = !parse.GetValue(noFeedback),
                MaxClassDropPoints = parse.GetValue(maxDrop),
                MinGainPoints = parse.GetValue(minGain),
                Rollout = !parse.GetValue(noRollout),
                RolloutStages = parse.GetValue(stages)!,
                RolloutSoak = parse.GetValue(soak)!,
                Seed = parse.GetValue(seed),
            };
            var round = await RoundQueries.StartAsync(store, VariantRegistry.Open(parse.GetValue(registry)!), start, ct);
            console.MarkupLineInterpolated($"round [bold]{round.RoundId}[/]: {round.BaseVariantId} v{round.BaseVersion}, {start.Strategy}, {start.Layers} layer(s), {start.MinParticipants}-{start.TargetParticipants} devices{(round.Cohort == null ? string.Empty : $" tagged {round.Cohort}")}, deadline {round.Deadline:u}");
            console.MarkupLine($"The host service (`tinymlops serve --registry ...`) runs it; watch it with `tinymlops round status {round.RoundId} --watch`.");
            return 0;
        });
        return command;
    }
}
