using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Modelling.Watermarking;

namespace TinyMLOps.Console.Commands;

/// <summary>`variant build|ls|show|explain` (and the rollout verbs): the model family per board and the choice made for each device.</summary>
internal static class VariantCommands
{
    public const string RegistryVariable = "TINYMLOPS_VARIANTS";

    public static Command Build(IAnsiConsole console)
    {
        var variant = new Command("variant", "Model variants per board and power state");
        variant.Subcommands.Add(BuildCommand(console));
        variant.Subcommands.Add(List(console));
        variant.Subcommands.Add(Show(console));
        variant.Subcommands.Add(Explain(console));
        foreach (var command in RolloutCommands.Build(console, Registry))
        {
            variant.Subcommands.Add(command);
        }

        return variant;
    }

    private static Option<string> Registry() => new("--registry")
    {
        Description = $"variant registry folder (default: ${RegistryVariable} or variants)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(RegistryVariable) is { Length: > 0 } v ? v : "variants",
    };

    private static Command BuildCommand(IAnsiConsole console)
    {
        var registry = Registry();
        var epochs = new Option<int>("--epochs") { Description = "training epochs per variant", DefaultValueFactory = _ => 5 };
        var limit = new Option<int>("--train-images") { Description = "training images (0 = all 55,000)", DefaultValueFactory = _ => 0 };
        var only = new Option<string[]>("--only") { Description = "build only these variant ids", AllowMultipleArgumentsPerToken = true };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "write one Pareto plot per board (PNG) here, e.g. docs/img" };
        var data = Options.DataDirectory();
        var noWatermark = new Option<bool>("--no-watermark") { Description = "do not embed a watermark (by default each variant gets its own 64-bit key, kept in the registry)" };
        var command = new Command("build", "Train, watermark, quantize and measure the model family, then cost every variant on every board") { registry, epochs, limit, only, plots, data, noWatermark };
        command.SetAction(parse =>
        {
            var splits = FashionMnist.Load(parse.GetValue(data));
            var train = parse.GetValue(limit) is > 0 and var n ? splits.Train.Take(n) : splits.Train;
            var specs = VariantSpec.FashionFamily.Where(s => parse.GetValue(only) is not { Length: > 0 } ids || ids.Contains(s.Id)).ToList();
            if (specs.Count == 0)
            {
                throw new ArgumentException($"--only names no variant of the family ({string.Join(", ", VariantSpec.FashionFamily.Select(s => s.Id))})");
            }

            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            IReadOnlyList<(VariantArtifact Artifact, byte[] File, WatermarkKey? Watermark)> built = [];
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
            {
                var tasks = specs.Select(s => ctx.AddTask(s.Id, maxValue: 1)).ToList();
                var progress = new Progress<VariantBuildProgress>(p =>
                {
                    tasks[p.Index].Value = p.Stage == "done" ? 1 : Math.Min(0.95, p.Fraction * 0.95);
                    tasks[p.Index].Description = $"{p.VariantId}: {p.Stage}";
                });
                built = VariantBuilder.Build(specs, train, splits.HeldOut.Slice(0, 1000), splits.HeldOut.Slice(1000, splits.HeldOut.Count - 1000), parse.GetValue(epochs), "fashion", progress, watermark: !parse.GetValue(noWatermark));
            });
            var stored = new List<VariantArtifact>();
            foreach (var b in built)
            {
                var artifact = reg.Add(b.Artifact, b.File);
                if (b.Watermark != null)
                {
                    reg.SaveWatermarkKey(artifact, b.Watermark);
                }

                stored.Add(artifact);
            }

            int marked = built.Count(b => b.Watermark != null);
            if (marked > 0)
            {
                console.MarkupLineInterpolated($"{marked} variants watermarked; their keys are in {Path.Combine(Path.GetFullPath(reg.Root), "watermarks")} (keep them secret; `model verify-watermark FILE --registry {reg.Root}` checks a suspect model)");
            }

            VariantView.Render(console, stored, BoardCatalog.Default.Boards, new SelectionPolicy());
            if (parse.GetValue(plots) is { } dir)
            {
                WritePlots(console, reg, dir);
            }

            console.MarkupLineInterpolated($"{stored.Count} variants added to {Path.GetFullPath(reg.Root)}");
            return 0;
        });
        return command;
    }

    private static Command List(IAnsiConsole console)
    {
        var registry = Registry();
        var markdown = new Option<bool>("--markdown") { Description = "print one Markdown table per board and the gain over one model for every board (for docs/benchmarks.md)" };
        var plots = new Option<DirectoryInfo?>("--plots") { Description = "write one Pareto plot per board (PNG) here, e.g. docs/img" };
        var command = new Command("ls", "Variants in the registry, newest version of each, with accuracy and cost on every board") { registry, markdown, plots };
        command.SetAction(parse =>
        {
            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            if (reg.Latest.Count == 0)
            {
                throw new InvalidOperationException($"no variants in {Path.GetFullPath(reg.Root)}: run `tinymlops variant build` first");
            }

            if (parse.GetValue(plots) is { } dir)
            {
                WritePlots(console, reg, dir);
            }

            if (parse.GetValue(markdown))
            {
                parse.InvocationConfiguration.Output.Write(VariantView.Markdown(reg.Latest, BoardCatalog.Default.Boards, new SelectionPolicy()));
                return 0;
            }

            VariantView.Render(console, reg.Latest, BoardCatalog.Default.Boards, new SelectionPolicy());
            return 0;
        });
        return command;
    }

    private static Command Show(IAnsiConsole console)
    {
        var registry = Registry();
        var id = new Argument<string>("id") { Description = "variant id" };
        var command = new Command("show", "One variant: every version, its layers, artifact hash and release notes") { id, registry };
        command.SetAction(parse =>
        {
            var reg = VariantRegistry.Open(parse.GetValue(registry)!);
            var versions = reg.Versions.Where(v => v.VariantId == parse.GetValue(id)).ToList();
            if (versions.Count == 0)
            {
                throw new ArgumentException($"no variant '{parse.GetValue(id)}' (see `tinymlops variant ls`)");
            }

            foreach (var v in versions)
            {
                console.Write(new Rule($"{v.VariantId} v{v.Version}"));
                console.MarkupLineInterpolated($"artifact sha256:{v.ContentHash}, {v.Summary.FlashBytes:N0} B flash, {v.Summary.ArenaBytes:N0} B arena, {v.Summary.Macs:N0} MACs");
                console.MarkupLineInterpolated($"accuracy {v.Accuracy:P2} on {v.HeldOutImages:N0} held-out images; created {v.CreatedAt:u}");
                console.MarkupLineInterpolated($"notes: {v.ReleaseNotes}");
                var layers = new Table().AddColumns("#", "op", "output", "MACs", "parameter bytes");
                foreach (var l in v.Summary.Layers)
                {
                    layers.AddRow(l.Index.ToString(), l.Op, l.Output, l.Macs.ToString("N0"), l.ParameterBytes.ToString("N0"));
                }

                console.Write(layers);
            }

            return 0;
        });
        return command;
    }

    private static Command Explain(IAnsiConsole console)
    {
        var registry = Registry();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var device = new Argument<string>("device") { Description = "device id" };
        var latency = new Option<double?>("--battery-latency-ms") { Description = "battery budget: latency per inference" };
        var energy = new Option<double?>("--battery-energy-mj") { Description = "battery budget: energy per inference" };
        var command = new Command("explain", "Which two variants a device gets (plugged in, on battery) and why") { device, registry, db, pg, latency, energy };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            var record = await store.GetDeviceAsync(id, ct) ?? throw new ArgumentException($"no device '{id}' in the registry (see `tinymlops fleet ls`)");
            var board = BoardCatalog.Default.Boards.FirstOrDefault(b => b.Id == record.Board)
                ?? throw new ArgumentException($"{id} reports board '{record.Board}', which has no profile in boards/");
            var policy = new SelectionPolicy();
            if (parse.GetValue(latency) is { } l)
            {
                policy = policy with { BatteryMaxLatencyMs = l };
            }

            if (parse.GetValue(energy) is { } e)
            {
                policy = policy with { BatteryMaxEnergyMillijoules = e };
            }

            var caps = new DeviceCapabilities(id, board.Id, record.FreeHeapBytes, record.FreeFlashBytes, null, record.PowerSource, record.BatteryPercent);
            var selection = VariantSelector.Select(caps, board, VariantRegistry.Open(parse.GetValue(registry)!).Latest, policy);
            RenderExplanation(console, selection);
            return 0;
        });
        return command;
    }

    public static void RenderExplanation(IAnsiConsole console, Selection s)
    {
        console.MarkupLineInterpolated($"[bold]{s.Device.DeviceId}[/] on {s.Board.Name} ({s.Board.ClockMhz} MHz, {(s.Board.HasFpu ? "FPU" : "no FPU")}); free heap {(s.Device.FreeHeapBytes > 0 ? s.Device.FreeHeapBytes.ToString("N0") + " B" : "not reported")}, free flash {(s.Device.FreeFlashBytes > 0 ? s.Device.FreeFlashBytes.ToString("N0") + " B" : "not reported")}");
        console.MarkupLineInterpolated($"policy: plugged in = the most accurate variant that fits; on battery = the most accurate within {s.Policy.BatteryMaxLatencyMs} ms and {s.Policy.BatteryMaxEnergyMillijoules} mJ per inference");
        var table = new Table().AddColumns("variant", "accuracy", "MACs", "flash", "RAM", "est. ms", "est. mJ", "verdict");
        foreach (var l in s.Lines)
        {
            string mark = l.Variant == s.Plugged && l.Variant == s.Battery ? " [green](plugged + battery)[/]" : l.Variant == s.Plugged ? " [green](plugged)[/]" : l.Variant == s.Battery ? " [green](battery)[/]" : "";
            table.AddRow(new Markup(Markup.Escape(l.Variant.VariantId) + mark), new Text(l.Variant.Accuracy.ToString("P2")), new Text(l.Cost.Macs.ToString("N0")), new Text(l.Cost.FlashBytes.ToString("N0")),
                new Text(l.Cost.RamBytes.ToString("N0")), new Text(l.Cost.LatencyMs.ToString("0.0")), new Text(l.Cost.EnergyMillijoules.ToString("0.00")), new Text(l.Verdict));
        }

        console.Write(table);
        console.MarkupLineInterpolated($"plugged in: {s.Plugged?.VariantId ?? "none fits"}; on battery: {s.Battery?.VariantId ?? "none within the budget"}");
    }

    private static void WritePlots(IAnsiConsole console, VariantRegistry reg, DirectoryInfo dir)
    {
        dir.Create();
        foreach (var board in BoardCatalog.Default.Boards)
        {
            var selection = VariantSelector.Select(VariantView.NominalDevice(board), board, reg.Latest, new SelectionPolicy());
            Plots.VariantPareto(Path.Combine(dir.FullName, $"variants-{board.Id}.png"), selection);
        }

        console.MarkupLineInterpolated($"Pareto plots in {dir.FullName}");
    }
}
