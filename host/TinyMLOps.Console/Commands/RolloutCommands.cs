using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Console.Commands;

/// <summary>
/// `variant rollout|rollouts|rollback|fleet`: staged rollouts recorded in the store (the host service carries them
/// out with <see cref="RolloutController"/>) and which device runs what.
/// </summary>
internal static class RolloutCommands
{
    public static IEnumerable<Command> Build(IAnsiConsole console, Func<Option<string>> registry)
    {
        yield return Rollout(console, registry);
        yield return Rollouts(console, registry);
        yield return Rollback(console, registry);
        yield return Fleet(console);
    }

    private static Command Rollout(IAnsiConsole console, Func<Option<string>> registryOption)
    {
        var registry = registryOption();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var variant = new Argument<string>("variant") { Description = "variant id in the registry" };
        var version = new Option<int?>("--version") { Description = "variant version (default: the newest)" };
        var role = new Option<string>("--role") { Description = "plugged or battery", DefaultValueFactory = _ => "plugged" };
        var fleet = new Option<string?>("--fleet") { Description = "only devices of this fleet" };
        var board = new Option<string?>("--board") { Description = "only devices of this board (boards/*.json id)" };
        var stages = new Option<string>("--stages") { Description = "percentages of the cohort per stage, ascending, ending at 100", DefaultValueFactory = _ => "10,50,100" };
        var soak = new Option<string>("--soak") { Description = "time a stage must run healthy before the next (30m, 1h, 1d)", DefaultValueFactory = _ => "1h" };
        var minInferences = new Option<long>("--min-inferences") { Description = "pooled inferences on the new variant before it is judged", DefaultValueFactory = _ => new RolloutPolicy().MinInferences };
        var maxErrors = new Option<double>("--max-error-rate") { Description = "error share that rolls back", DefaultValueFactory = _ => new RolloutPolicy().MaxErrorRate };
        var maxDrop = new Option<double>("--max-confidence-drop") { Description = "drop of mean top-1 confidence against the old variant that rolls back", DefaultValueFactory = _ => new RolloutPolicy().MaxConfidenceDrop };
        var command = new Command("rollout", "Start a staged rollout of a variant to one role of a cohort; the host service carries it out and rolls back on bad health")
        {
            variant, version, role, fleet, board, stages, soak, minInferences, maxErrors, maxDrop, registry, db, pg,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            await store.MigrateAsync(ct);
            var policy = new RolloutPolicy
            {
                Soak = ParseDuration(parse.GetValue(soak)!),
                MinInferences = parse.GetValue(minInferences),
                MaxErrorRate = parse.GetValue(maxErrors),
                MaxConfidenceDrop = parse.GetValue(maxDrop),
            };
            var controller = Controller(store, parse.GetValue(registry)!);
            var request = new RolloutRequest(parse.GetValue(variant)!, parse.GetValue(version), ParseRole(parse.GetValue(role)!), parse.GetValue(fleet), parse.GetValue(board), parse.GetValue(stages)!, policy);
            var rollout = await controller.StartAsync(request, ct);
            console.MarkupLineInterpolated($"rollout [bold]{rollout.RolloutId}[/]: {rollout.VariantId} v{rollout.Version} to the {VariantAssignment.RoleName(rollout.Role)} role of {Cohort(rollout)}, stages {rollout.Stages}%, soak {policy.Soak}");
            console.MarkupLine("The host service (`tinymlops serve --registry ...`) delivers it; follow it with `tinymlops variant rollouts " + rollout.RolloutId + "`.");
            return 0;
        });
        return command;
    }

    private static Command Rollouts(IAnsiConsole console, Func<Option<string>> registryOption)
    {
        var registry = registryOption();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<long?>("id") { Description = "one rollout: its devices and health", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("rollouts", "Rollouts with their stage and state, or one rollout in detail") { id, registry, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            if (parse.GetValue(id) is not { } one)
            {
                var table = new Table().AddColumns("id", "variant", "role", "cohort", "stage", "state", "devices", "reason");
                foreach (var r in await store.ListRolloutsAsync(cancellationToken: ct))
                {
                    var devices = await store.RolloutDevicesAsync(r.RolloutId, ct);
                    table.AddRow(
                        r.RolloutId.ToString(CultureInfo.InvariantCulture), $"{r.VariantId} v{r.Version}", VariantAssignment.RoleName(r.Role), Cohort(r), $"{r.Percent}% of {r.Stages}",
                        r.State, string.Join(", ", devices.GroupBy(d => d.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")), r.Reason);
                }

                console.Write(table);
                return 0;
            }

            var status = await Controller(store, parse.GetValue(registry)!).StatusAsync(one, ct);
            var rollout = status.Rollout;
            console.MarkupLineInterpolated($"rollout [bold]{rollout.RolloutId}[/]: {rollout.VariantId} v{rollout.Version} ({rollout.ContentHash[..12]}…) to the {VariantAssignment.RoleName(rollout.Role)} role of {Cohort(rollout)}");
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
                table2.AddRow(d.DeviceId, d.State, d.PreviousVariant.Length == 0 ? "-" : d.PreviousVariant, d.AssignedAt.ToString("u", CultureInfo.InvariantCulture),
                    d.InstalledAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-", d.Detail);
            }

            console.Write(table2);
            return 0;
        });
        return command;
    }

    private static Command Rollback(IAnsiConsole console, Func<Option<string>> registryOption)
    {
        var registry = registryOption();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var id = new Argument<long>("id") { Description = "rollout id" };
        var reason = new Option<string>("--reason") { Description = "why, for the record", DefaultValueFactory = _ => "operator request" };
        var command = new Command("rollback", "Roll a rollout back: its devices return to the variant they ran before") { id, reason, registry, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            long rolloutId = parse.GetValue(id);
            await Controller(store, parse.GetValue(registry)!).RollBackAsync(rolloutId, parse.GetValue(reason)!, ct);
            var rollout = await store.GetRolloutAsync(rolloutId, ct);
            console.MarkupLineInterpolated($"rollout {rolloutId}: {rollout!.State} ({rollout.Reason}); the host service sends the rollback commands.");
            return 0;
        });
        return command;
    }

    private static Command Fleet(IAnsiConsole console)
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
            foreach (var d in await store.ListDevicesAsync(parse.GetValue(fleet), ct))
            {
                var reports = await VariantDelivery.SwitchReportsAsync(store, d.DeviceId, 1, ct);
                var last = reports.Count == 0 ? null : reports[^1];
                string serving = last == null ? "-" : VariantAssignment.RoleName(last.Report.ToRole);
                string running = last == null ? string.Empty : last.Report.ToRole == VariantAssignment.RolePlugged ? last.Report.PluggedVariantId : last.Report.BatteryVariantId;
                if (running.Length > 0)
                {
                    counts[running] = counts.GetValueOrDefault(running) + 1;
                }

                var rollout = (await store.DeviceRolloutsAsync(d.DeviceId, ct)).FirstOrDefault();
                table.AddRow(
                    d.DeviceId, d.Board, d.PowerSource switch { 1 => "battery", 2 => "external", _ => "?" },
                    Variant(last?.Report.PluggedVariantId), Variant(last?.Report.BatteryVariantId), serving,
                    last == null ? "-" : $"{VariantSwitchPayload.ReasonName(last.Report.Reason)} {last.ReceivedAt:u}",
                    rollout == null ? "-" : $"#{rollout.RolloutId} {rollout.State}");
            }

            console.Write(table);
            if (counts.Count > 0)
            {
                var chart = new BarChart().Label("devices per serving variant").Width(60);
                foreach (var (variant, n) in counts.OrderByDescending(c => c.Value))
                {
                    chart.AddItem(variant, n, Color.Green);
                }

                console.Write(chart);
            }

            return 0;
        });
        return command;
    }

    private static RolloutController Controller(IFleetStore store, string registry) =>
        new(store, VariantRegistry.Open(registry), new DeviceKeys(new byte[DeviceKeys.MinMasterKeyBytes]), downlink: null);

    private static string Variant(string? id) => string.IsNullOrEmpty(id) ? "-" : id;

    private static string Cohort(RolloutRecord r) =>
        $"{(r.Fleet == null ? "every fleet" : $"fleet {r.Fleet}")}, {(r.Board == null ? "every board" : $"board {r.Board}")}";

    internal static int ParseRole(string role) => role.ToLowerInvariant() switch
    {
        "plugged" or "1" => VariantAssignment.RolePlugged,
        "battery" or "2" => VariantAssignment.RoleBattery,
        _ => throw new ArgumentException($"--role is plugged or battery, not '{role}'"),
    };

    /// <summary>"90s", "30m", "1h", "2d" or a TimeSpan ("01:00:00").</summary>
    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new ArgumentException($"'{text}' is not a duration (90s, 30m, 1h, 2d)");
    }
}
