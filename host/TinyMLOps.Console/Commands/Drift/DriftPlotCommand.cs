using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Drift;
using static TinyMLOps.Console.Commands.Drift.DriftCommand;

namespace TinyMLOps.Console.Commands.Drift;

/// <summary>`drift plot`: a PNG of reference against observed histograms (worst input region, classes, confidence).</summary>
internal static class DriftPlotCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var s = SelectionOptions();
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
}
