using TinyMLOps.Web.Queries;
using TinyMLOps.Web.Contracts;
using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Drift;
using static TinyMLOps.Console.Commands.Drift.DriftCommand;

namespace TinyMLOps.Console.Commands.Drift;

/// <summary>`drift report`: scores, alerts with evidence, and bar charts of reference against observed.</summary>
internal static class DriftReportCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var s = SelectionOptions();
        var command = new Command("report", "Scores, alerts with evidence, and bar charts of reference against observed");
        AddTo(command, s);
        var output = JsonOutput.Option();
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(s.Db)!, parse.GetValue(s.Postgres), mustExist: true, ct);
            var analyzer = new DriftAnalyzer(Profiles(parse.GetValue(s.Registry)!));
            bool json = JsonOutput.Wanted(parse.GetValue(output));
            if (parse.GetValue(s.Device) is { } deviceId)
            {
                var device = await DriftQueries.DeviceAsync(store, analyzer, deviceId, ct)
                    ?? throw new InvalidOperationException($"no drift windows from device {deviceId}");
                if (json)
                {
                    JsonOutput.Write(console, DriftJson.Of(device));
                    return 0;
                }

                RenderDevice(console, device);
                return 0;
            }

            var cohort = parse.GetValue(s.Cohort) is { } spec ? ParseCohort(spec) : null;
            var (devices, cohorts) = await DriftQueries.CohortsAsync(store, analyzer, parse.GetValue(s.Fleet), cohort, ct);
            if (devices.Count == 0)
            {
                throw new InvalidOperationException("no drift windows match");
            }

            if (json)
            {
                JsonOutput.Write(console, DriftJson.Of(cohorts, devices, analyzer.Options.MinCohortDevices));
                return 0;
            }

            RenderCohorts(console, cohorts, analyzer.Options.MinCohortDevices);
            foreach (var c in cohorts.Where(c => c.Shown && c.Latest != null && c.Profile != null && (cohort != null || cohorts.Count == 1)))
            {
                Charts(console, c.Profile!, c.Latest!, c.Score!);
            }

            var alerts = devices.Where(d => d.Alert != null).ToList();
            console.MarkupLineInterpolated($"device alerts: {alerts.Count} of {devices.Count} devices");
            foreach (var d in alerts)
            {
                console.WriteLine("  " + TerminalText.Plain(d.Alert!.Describe()));
            }

            return 0;
        });
        return command;
    }

    private static void RenderDevice(IAnsiConsole console, DeviceDrift device)
    {
        console.MarkupLineInterpolated($"device {TerminalText.Plain(device.DeviceId)}, cohort {TerminalText.Plain(device.Cohort.ToString())}{(device.Profile == null ? " — no reference profile (windows unscored)" : "")}");
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
        console.WriteLine(device.Alert == null ? "no open alert" : "ALERT " + TerminalText.Plain(device.Alert.Describe()));
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
                table.AddRow(TerminalText.Markup(c.Key.ToString()), c.Devices.ToString(CultureInfo.InvariantCulture), $"hidden (fewer than {minDevices} devices{(c.Profile == null ? " or no profile" : "")})", "", "", "", "", "");
                continue;
            }

            table.AddRow(
                TerminalText.Markup(c.Key.ToString()),
                c.Devices.ToString(CultureInfo.InvariantCulture),
                $"{sc.Groups[sc.WorstGroup].Psi:0.000} (#{sc.WorstGroup})",
                sc.Classes.Psi.ToString("0.000", CultureInfo.InvariantCulture),
                sc.Confidence.Psi.ToString("0.000", CultureInfo.InvariantCulture),
                sc.ConfidenceShift.ToString("+0.00;-0.00", CultureInfo.InvariantCulture),
                c.DriftedDevices.ToString(CultureInfo.InvariantCulture),
                c.Alert == null ? "none" : TerminalText.Markup(c.Alert.Describe()));
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
