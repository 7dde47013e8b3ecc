using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench wire`: bytes on the wire per device per simulated day, the other sync figure of docs/benchmarks.md.</summary>
internal static class BenchWireCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var command = new Command("wire", "Bytes on the wire per device per simulated day (heartbeats, acks), MQTT framing included");
        command.SetAction(async (_, ct) =>
        {
            IReadOnlyList<WireRow> rows = [];
            await console.Progress().StartAsync(async ctx =>
            {
                var task = ctx.AddTask("one simulated day", maxValue: 1);
                rows = await WireBenchmark.RunAsync(new Progress<double>(p => task.Value = p), ct);
            });
            var table = new Table().AddColumns("scenario", "heartbeat", "uplink msgs/day", "uplink bytes/day", "downlink msgs/day", "downlink bytes/day", "total KiB/day");
            foreach (var r in rows)
            {
                table.AddRow(r.Scenario, $"{r.HeartbeatSeconds} s", r.UplinkMessages.ToString("N0"), r.UplinkBytes.ToString("N0"), r.DownlinkMessages.ToString("N0"), r.DownlinkBytes.ToString("N0"), (r.TotalBytes / 1024.0).ToString("0.0"));
            }

            console.Write(table);
            return 0;
        });
        return command;
    }
}
