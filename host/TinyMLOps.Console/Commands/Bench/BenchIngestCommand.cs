using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench ingest`: host ingest throughput against mosquitto's own, the sync figure of docs/benchmarks.md.</summary>
internal static class BenchIngestCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices") { Description = "device connections", DefaultValueFactory = _ => 1000 };
        var messages = new Option<int>("--messages") { Description = "QoS 1 messages per device", DefaultValueFactory = _ => 20 };
        var postgres = FleetOptions.Postgres();
        var command = new Command("ingest", "Host ingest throughput against mosquitto's own, same load, same run") { devices, messages, postgres };
        command.SetAction(async (parse, ct) =>
        {
            using var mosquitto = new MosquittoProcess();
            string dir = Directory.CreateTempSubdirectory("tinymlops-bench-").FullName;
            var stores = new List<(string, Func<IFleetStore>)> { ("SQLite", () => FleetStoreFactory.Open(null, Path.Combine(dir, "bench.db"))) };
            if (parse.GetValue(postgres) is { } pg)
            {
                string schema = "bench_" + Guid.NewGuid().ToString("N")[..10];
                stores.Add(("PostgreSQL", () => FleetStoreFactory.Open(pg, "", schema)));
            }

            IngestReport report = null!;
            await console.Status().StartAsync("starting", async ctx =>
            {
                var progress = new Progress<string>(s => ctx.Status(s));
                report = await IngestBenchmark.RunAsync("127.0.0.1", mosquitto.Port, parse.GetValue(devices), parse.GetValue(messages), stores, progress, ct);
            });
            Render(console, report);
            Directory.Delete(dir, recursive: true);
            return report.Hosts.All(h => h.Delivered == h.Messages) && report.Raw.Delivered == report.Raw.Messages ? 0 : 2;
        });
        return command;
    }

    public static void Render(IAnsiConsole console, IngestReport report)
    {
        console.MarkupLineInterpolated($"{report.Devices:N0} devices × {report.MessagesPerDevice} QoS 1 messages of {report.MessageBytes} bytes = {report.Devices * report.MessagesPerDevice:N0} messages, mosquitto {MosquittoProcess.Binary}");
        var table = new Table().AddColumns("consumer", "delivered", "seconds", "messages/s", "vs mosquitto");
        table.AddRow(report.Raw.Name, $"{report.Raw.Delivered:N0}/{report.Raw.Messages:N0}", report.Raw.Elapsed.TotalSeconds.ToString("0.00"), report.Raw.MessagesPerSecond.ToString("N0"), "1.00");
        foreach (var h in report.Hosts)
        {
            table.AddRow(h.Name, h.Delivered == h.Messages ? $"{h.Delivered:N0}/{h.Messages:N0}" : $"[red]{h.Delivered:N0}/{h.Messages:N0}[/]", h.Elapsed.TotalSeconds.ToString("0.00"), h.MessagesPerSecond.ToString("N0"), report.Ratio(h).ToString("0.00"));
        }

        console.Write(table);
        foreach (var h in report.Hosts)
        {
            console.MarkupLineInterpolated($"{h.Name}: store stage {h.StoreTime.TotalSeconds:0.00} s, ack stage {h.AckTime.TotalSeconds:0.00} s (overlapping)");
        }

        var chart = new BarChart().Width(70).Label("[bold]messages/s[/]").AddItem("mosquitto raw", Math.Round(report.Raw.MessagesPerSecond), Color.Grey);
        foreach (var h in report.Hosts)
        {
            chart.AddItem(h.Name.Split(' ')[2], Math.Round(h.MessagesPerSecond), Color.Green);
        }

        console.Write(chart);
    }
}
