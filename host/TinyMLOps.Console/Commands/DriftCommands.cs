using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands;

/// <summary>`drift report` and `drift plot`: drift of a device, a cohort or a fleet from the stored windows, against the variants' reference profiles.</summary>
internal static class DriftCommands
{
    public static Command Build(IAnsiConsole console)
    {
        var drift = new Command("drift", "Data drift from the devices' histogram windows (no raw inputs leave the devices)");
        drift.Subcommands.Add(Report(console));
        drift.Subcommands.Add(Plot(console));
        return drift;
    }

    /// <summary>`bench drift`: the evaluation at fleet scale, with and without the default upload noise.</summary>
    public static Command Bench(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices") { Description = "virtual devices", DefaultValueFactory = _ => 500 };
        var epsilons = new Option<double[]>("--epsilon") { Description = "upload noise epsilons to run (0 = none)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [0, Firmware.Core.Drift.DriftOptions.DefaultEpsilon] };
        var model = new Option<FileInfo?>("--model") { Description = "an int8 model with a drift profile (default: build mlp-w0.5 with `variant build`'s pipeline on 20,000 images, 2 epochs)" };
        var plot = new Option<FileInfo?>("--plot") { Description = "detection delay plot (PNG), e.g. docs/img/drift-delays.png" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 2025 };
        var data = Commands.Options.DataDirectory();
        var command = new Command("drift", "Drift detection in a virtual fleet on Fashion-MNIST: detection rate, false alarms, delays, uplink bytes") { devices, epsilons, model, plot, seed, data };
        command.SetAction(parse =>
        {
            var splits = FashionMnist.Load(parse.GetValue(data));
            byte[] file;
            if (parse.GetValue(model) is { } path)
            {
                file = File.ReadAllBytes(path.FullName);
            }
            else
            {
                console.WriteLine("building mlp-w0.5 with its drift profile (20,000 training images, 2 epochs)");
                file = VariantBuilder.Build([new VariantSpec("mlp-w0.5", "mlp", 0.5)], splits.Train.Take(20_000), splits.HeldOut.Slice(0, 1000), splits.HeldOut.Slice(1000, 2000), 2)[0].File;
            }

            var reports = new List<DriftBenchmarkReport>();
            foreach (double epsilon in parse.GetValue(epsilons)!)
            {
                var options = new DriftBenchmarkOptions { Devices = parse.GetValue(devices), Epsilon = epsilon, Seed = parse.GetValue(seed) };
                var report = DriftBenchmark.Run(file, splits.Test, options, new Progress<string>(m => { }));
                reports.Add(report);
                RenderBench(console, report);
            }

            if (parse.GetValue(plot) is { } png)
            {
                DriftPlot.Delays(png.FullName, reports);
                console.MarkupLineInterpolated($"plot in {png.FullName}");
            }

            return reports.All(r => r.DetectionRate >= 0.95 && r.FalseAlarmRate <= 0.01) ? 0 : 2;
        });
        return command;
    }

    public static void RenderBench(IAnsiConsole console, DriftBenchmarkReport r)
    {
        var o = r.Options;
        console.MarkupLineInterpolated($"[bold]epsilon {(o.Epsilon == 0 ? "none" : o.Epsilon.ToString("0.##", CultureInfo.InvariantCulture))}[/]: {o.Devices} devices, {o.WindowsBefore} clean hourly windows then {o.WindowsAfter} shifted, {r.Shifted.Count()} shifted ({r.Shifted.Count(d => d.Shift!.IsCovariate)} covariate, {r.Shifted.Count(d => !d.Shift!.IsCovariate)} label), {r.Seconds:0.0} s");
        var table = new Table().AddColumns("figure", "value");
        table.AddRow("shifted devices detected within 3 windows", r.DetectionRate.ToString("P1", CultureInfo.InvariantCulture));
        table.AddRow("  covariate / label", $"{r.CovariateDetectionRate.ToString("P1", CultureInfo.InvariantCulture)} / {r.LabelDetectionRate.ToString("P1", CultureInfo.InvariantCulture)}");
        table.AddRow("false alarms, clean devices, same 3 windows", r.FalseAlarmRate.ToString("P2", CultureInfo.InvariantCulture));
        table.AddRow("false alarms, clean devices, whole run", r.FalseAlarmRateWholeRun.ToString("P2", CultureInfo.InvariantCulture));
        table.AddRow("detection delay (windows: devices)", string.Join(", ", r.DelayHistogram.Select(kv => (kv.Key == 0 ? "never" : kv.Key.ToString(CultureInfo.InvariantCulture)) + ": " + kv.Value)));
        table.AddRow("drift uplink per device per day", $"{r.UplinkBytesPerDeviceDay:N0} B");
        table.AddRow("raw inputs per device per day", $"{r.RawBytesPerDeviceDay:N0} B");
        table.AddRow("raw / drift", $"{r.BytesRatio:N0}x");
        console.Write(table);
    }

    private sealed record Selection(Option<string?> Fleet, Option<string?> Cohort, Option<string?> Device, Option<string> Registry, Option<string> Db, Option<string?> Postgres);

    private static Selection Options() => new(
        new Option<string?>("--fleet") { Description = "every cohort of this fleet" },
        new Option<string?>("--cohort") { Description = "fleet/board/variant/firmware, * for any board or firmware (e.g. lab/*/cnn-w1/*)" },
        new Option<string?>("--device") { Description = "one device" },
        new Option<string>("--registry")
        {
            Description = $"variant registry with the reference profiles (default: ${VariantCommands.RegistryVariable} or variants)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(VariantCommands.RegistryVariable) is { Length: > 0 } v ? v : "variants",
        },
        FleetOptions.Db(),
        FleetOptions.Postgres());

    private static void AddTo(Command command, Selection s)
    {
        command.Options.Add(s.Fleet);
        command.Options.Add(s.Cohort);
        command.Options.Add(s.Device);
        command.Options.Add(s.Registry);
        command.Options.Add(s.Db);
        command.Options.Add(s.Postgres);
    }

    private static Command Report(IAnsiConsole console)
    {
        var s = Options();
        var command = new Command("report", "Scores, alerts with evidence, and bar charts of reference against observed");
        AddTo(command, s);
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(s.Db)!, parse.GetValue(s.Postgres), mustExist: true, ct);
            var analyzer = new DriftAnalyzer(Profiles(parse.GetValue(s.Registry)!));
            if (parse.GetValue(s.Device) is { } deviceId)
            {
                var device = (await analyzer.DevicesAsync(store, new DriftWindowQuery { DeviceId = deviceId }, ct)).SingleOrDefault()
                    ?? throw new InvalidOperationException($"no drift windows from device {deviceId}");
                RenderDevice(console, device);
                return 0;
            }

            var cohort = parse.GetValue(s.Cohort) is { } spec ? ParseCohort(spec) : null;
            string? fleet = cohort?.Fleet ?? parse.GetValue(s.Fleet);
            var devices = await analyzer.DevicesAsync(store, new DriftWindowQuery { Fleet = fleet, VariantId = cohort?.VariantId, Board = cohort?.Board, FirmwareVersion = cohort?.FirmwareVersion }, ct);
            if (devices.Count == 0)
            {
                throw new InvalidOperationException("no drift windows match");
            }

            var cohorts = analyzer.Cohorts(devices, cohort == null ? null : d => cohort);
            RenderCohorts(console, cohorts, analyzer.Options.MinCohortDevices);
            foreach (var c in cohorts.Where(c => c.Shown && c.Latest != null && c.Profile != null && (cohort != null || cohorts.Count == 1)))
            {
                Charts(console, c.Profile!, c.Latest!, c.Score!);
            }

            var alerts = devices.Where(d => d.Alert != null).ToList();
            console.MarkupLineInterpolated($"device alerts: {alerts.Count} of {devices.Count} devices");
            foreach (var d in alerts)
            {
                console.WriteLine("  " + d.Alert!.Describe());
            }

            return 0;
        });
        return command;
    }

    private static Command Plot(IAnsiConsole console)
    {
        var s = Options();
        var output = new Option<string>("--output", "-o") { Description = "PNG file", Required = true };
        var command = new Command("plot", "PNG of reference against observed histograms (worst input region, classes, confidence)") { output };
        AddTo(command, s);
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(s.Db)!, parse.GetValue(s.Postgres), mustExist: true, ct);
            var analyzer = new DriftAnalyzer(Profiles(parse.GetValue(s.Registry)!));
            string title;
            DriftProfile? profile;
            DriftHistograms? observed;
            WindowScore? score;
            if (parse.GetValue(s.Device) is { } deviceId)
            {
                var device = (await analyzer.DevicesAsync(store, new DriftWindowQuery { DeviceId = deviceId }, ct)).SingleOrDefault()
                    ?? throw new InvalidOperationException($"no drift windows from device {deviceId}");
                (title, profile, observed, score) = (deviceId, device.Profile, device.LatestHistograms, device.Latest?.Score);
            }
            else if (parse.GetValue(s.Cohort) is { } spec)
            {
                var key = ParseCohort(spec);
                var devices = await analyzer.DevicesAsync(store, new DriftWindowQuery { Fleet = key.Fleet, VariantId = key.VariantId, Board = key.Board, FirmwareVersion = key.FirmwareVersion }, ct);
                var cohort = analyzer.Cohorts(devices, _ => key).SingleOrDefault() ?? throw new InvalidOperationException($"no drift windows in cohort {spec}");
                if (!cohort.Shown)
                {
                    throw new FormatException($"cohort {spec} has {cohort.Devices} devices; it is shown from {analyzer.Options.MinCohortDevices}");
                }

                (title, profile, observed, score) = (key.ToString(), cohort.Profile, cohort.Latest, cohort.Score);
            }
            else
            {
                throw new InvalidOperationException("drift plot needs --device or --cohort");
            }

            if (profile == null || observed == null || score == null || !score.Scored)
            {
                throw new InvalidOperationException($"{title}: no reference profile or no scored window");
            }

            DriftPlot.Save(parse.GetValue(output)!, title, profile, observed, score);
            console.MarkupLineInterpolated($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }

    public static CohortKey ParseCohort(string spec)
    {
        string[] parts = spec.Split('/');
        if (parts.Length != 4 || parts[0].Length == 0 || parts[0] == "*" || parts[2].Length == 0 || parts[2] == "*")
        {
            throw new FormatException($"cohort '{spec}' is not fleet/board/variant/firmware (fleet and variant required, * for any board or firmware)");
        }

        static string? Any(string p) => p is "*" or "" ? null : p;
        return new CohortKey(parts[0], Any(parts[1]), parts[2], Any(parts[3]));
    }

    private static DriftProfiles Profiles(string registry) =>
        Directory.Exists(registry) ? DriftProfiles.FromRegistry(VariantRegistry.Open(registry)) : DriftProfiles.None;

    private static void RenderDevice(IAnsiConsole console, DeviceDrift device)
    {
        console.MarkupLineInterpolated($"device {device.DeviceId}, cohort {device.Cohort}{(device.Profile == null ? " — no reference profile (windows unscored)" : "")}");
        var table = new Table().AddColumns("seq", "received", "samples", "ε", "worst region", "input PSI", "class PSI", "conf PSI", "mean conf", "device alarm", "drifted");
        foreach (var (w, sc) in device.Windows.TakeLast(24))
        {
            table.AddRow(
                w.Sequence.ToString(CultureInfo.InvariantCulture),
                w.ReceivedAt.ToString("u", CultureInfo.InvariantCulture),
                w.SampleCount.ToString(CultureInfo.InvariantCulture),
                w.Epsilon.ToString("0.##", CultureInfo.InvariantCulture),
                sc.Scored ? "#" + sc.WorstGroup : "-",
                sc.Scored ? sc.Groups[sc.WorstGroup].Psi.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                sc.Scored ? sc.Classes.Psi.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                sc.Scored ? sc.Confidence.Psi.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                sc.Scored ? sc.MeanConfidence.ToString("0.00", CultureInfo.InvariantCulture) : "-",
                (w.Flags & 1) != 0 ? "yes" : "no",
                !sc.Scored ? "not judged" : sc.Drifted ? "DRIFT" : "ok");
        }

        console.Write(table);
        console.WriteLine(device.Alert == null ? "no open alert" : "ALERT " + device.Alert.Describe());
        if (device.Profile != null && device.LatestHistograms is { } h && device.Latest is { Score.Scored: true } latest)
        {
            Charts(console, device.Profile, h, latest.Score);
        }
    }

    private static void RenderCohorts(IAnsiConsole console, IReadOnlyList<CohortDrift> cohorts, int minDevices)
    {
        var table = new Table().AddColumns("cohort", "devices", "input PSI (worst region)", "class PSI", "conf PSI", "confidence shift", "devices alerting", "cohort alert");
        foreach (var c in cohorts)
        {
            if (!c.Shown || c.Score is not { Scored: true } sc)
            {
                table.AddRow(c.Key.ToString(), c.Devices.ToString(CultureInfo.InvariantCulture), $"hidden (fewer than {minDevices} devices{(c.Profile == null ? " or no profile" : "")})", "", "", "", "", "");
                continue;
            }

            table.AddRow(
                c.Key.ToString(),
                c.Devices.ToString(CultureInfo.InvariantCulture),
                $"{sc.Groups[sc.WorstGroup].Psi:0.000} (#{sc.WorstGroup})",
                sc.Classes.Psi.ToString("0.000", CultureInfo.InvariantCulture),
                sc.Confidence.Psi.ToString("0.000", CultureInfo.InvariantCulture),
                sc.ConfidenceShift.ToString("+0.00;-0.00", CultureInfo.InvariantCulture),
                c.DriftedDevices.ToString(CultureInfo.InvariantCulture),
                c.Alert == null ? "none" : c.Alert.Describe());
        }

        console.Write(table);
    }

    /// <summary>Reference against observed, in percent of each histogram: the worst input region, the classes and the confidences.</summary>
    private static void Charts(IAnsiConsole console, DriftProfile profile, DriftHistograms observed, WindowScore score)
    {
        int g = score.WorstGroup;
        int bins = profile.InputBins;
        Chart(console, $"input region #{g} (PSI {score.Groups[g].Psi:0.000}): value bins, % reference vs observed", DriftHistograms.Of(profile).Group(g, bins), observed.Group(g, bins), i => $"bin {i}");
        Chart(console, $"predicted class (PSI {score.Classes.Psi:0.000})", profile.ClassCounts, observed.Classes, i => $"class {i}");
        Chart(console, $"top-1 confidence (PSI {score.Confidence.Psi:0.000}, mean {score.MeanConfidence:0.00} vs {score.ReferenceMeanConfidence:0.00})", profile.ConfidenceCounts, observed.Confidence, i => $"{(double)i / profile.ConfidenceBins:0.0}-{(double)(i + 1) / profile.ConfidenceBins:0.0}");
    }

    private static void Chart(IAnsiConsole console, string label, uint[] reference, uint[] observed, Func<int, string> name)
    {
        double rt = Math.Max(1, reference.Sum(c => (double)c)), ot = Math.Max(1, observed.Sum(c => (double)c));
        var chart = new BarChart().Label(label).Width(80);
        for (int i = 0; i < reference.Length; i++)
        {
            chart.AddItem($"{name(i)} ref", Math.Round(100 * reference[i] / rt, 1), Color.Grey);
            chart.AddItem($"{name(i)} obs", Math.Round(100 * observed[i] / ot, 1), Color.Orange1);
        }

        console.Write(chart);
    }
}
