using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Console.Commands.Sim;

/// <summary>`sim`: N virtual boards running the device core against a broker, in simulated time.</summary>
internal static class SimCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices", "-n") { Description = "number of virtual boards", DefaultValueFactory = _ => 50 };
        var hours = new Option<double>("--hours") { Description = "simulated hours to run", DefaultValueFactory = _ => 24 };
        var step = new Option<int>("--step-seconds") { Description = "simulated seconds per step", DefaultValueFactory = _ => 60 };
        var broker = new Option<string>("--broker") { Description = "host:port of the broker the host serves", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var fleet = new Option<string>("--fleet") { Description = "fleet id", DefaultValueFactory = _ => "sim" };
        var storage = new Option<string>("--storage") { Description = "folder for the boards' flash", DefaultValueFactory = _ => ".tinymlops-sim" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var command = new Command("sim", "Run a virtual fleet against a broker (the host must be serving it)") { devices, hours, step, broker, fleet, storage, seed };
        command.SetAction(async (parse, ct) =>
        {
            var (host, port) = FleetOptions.ParseBroker(parse.GetValue(broker)!);
            using var virtualFleet = VirtualFleet.CreateMixed(parse.GetValue(devices), parse.GetValue(fleet)!, host, port, parse.GetValue(storage)!, NullLogger.Instance, parse.GetValue(seed));
            await RunWithProgressAsync(console, virtualFleet, TimeSpan.FromHours(parse.GetValue(hours)), TimeSpan.FromSeconds(parse.GetValue(step)), ct);
            bool drained = await virtualFleet.DrainAsync(TimeSpan.FromSeconds(60), ct);
            var p = virtualFleet.Progress(TimeSpan.Zero);
            console.MarkupLine($"{p.Boards} boards, {p.Publishes:N0} publishes, {p.Reboots} reboots; outboxes {(drained ? "[green]drained[/]" : $"[red]still hold {p.Pending} entries[/]")}");
            return drained ? 0 : 2;
        });
        return command;
    }

    public static async Task RunWithProgressAsync(IAnsiConsole console, VirtualFleet fleet, TimeSpan duration, TimeSpan step, CancellationToken ct)
    {
        await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("simulating", maxValue: duration.TotalMinutes);
                var progress = new Progress<FleetProgress>(p =>
                {
                    task.Value = Math.Min(duration.TotalMinutes, p.SimTime.TotalMinutes);
                    task.Description = $"day {p.SimTime.TotalDays:0.0}: {p.Online}/{p.Boards} online, {p.Pending} queued";
                });
                await fleet.RunAsync(duration, step, TimeSpan.Zero, progress, ct);
                task.Value = task.MaxValue;
            });
    }
}
