using System.CommandLine;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Simulation.Benchmarks;
using TinyMLOps.Simulation.VirtualBoards;
using TinyMLOps.Web.Hosting;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>
/// `bench api`: the REST API under closed-loop load while a virtual fleet publishes through the same host, each route
/// next to /healthz (Kestrel's floor in the same run): requests per second and p50/p99 latency.
/// </summary>
internal static class BenchApiCommand
{
    private static readonly string[] Routes = ["/healthz", "/api/v1/me", "/api/v1/devices?limit=100", "/api/v1/devices/{device}"];

    public static Command Build(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices") { Description = "virtual boards publishing through the host meanwhile", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<int>("--concurrency") { Description = "clients, each sending its next request when the answer is read", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "seconds per route", DefaultValueFactory = _ => 10 };
        var command = new Command("api", "REST API requests/s and p50/p99 latency per route, with the fleet running, against /healthz in the same run") { devices, concurrency, seconds };
        command.SetAction(async (parse, ct) =>
        {
            string dir = Directory.CreateTempSubdirectory("tinymlops-bench-api-").FullName;
            var options = new SyncOptions { BrokerPort = MosquittoProcess.FreePort(), SqlitePath = Path.Combine(dir, "bench.db"), WorkerId = "tinymlops-host-bench", Fleet = "bench" };
            using IHost serve = ServeApp.Build(ServeSettings.From(options, new HttpOptions { Url = "http://127.0.0.1:0" }));
            await serve.StartAsync(ct);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task? fleetRun = null;
            VirtualFleet? fleet = null;
            try
            {
                var store = serve.Services.GetRequiredService<IFleetStore>();
                while (serve.Services.GetRequiredService<HostStatus>().Sync is null)
                {
                    await Task.Delay(50, ct);
                }

                (ApiKeyRecord key, string token) = ApiKeys.Create("bench", ApiRole.Viewer, "bench", DateTimeOffset.UtcNow);
                await store.CreateApiKeyAsync(key, ct);
                fleet = VirtualFleet.CreateMixed(parse.GetValue(devices), "bench", "127.0.0.1", options.BrokerPort, Path.Combine(dir, "boards"), NullLogger.Instance);
                // Simulated minutes pass as fast as the boards can publish, for as long as the load runs.
                fleetRun = fleet.RunAsync(TimeSpan.FromDays(365), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50), null, stop.Token);
                await Task.Delay(TimeSpan.FromSeconds(3), ct);
                string device = (await store.ListDevicesAsync("bench", ct)).FirstOrDefault()?.DeviceId ?? "none";

                using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = parse.GetValue(concurrency) }) { BaseAddress = ServeApp.HttpAddress(serve) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var results = new List<HttpLoadResult>();
                foreach (string route in Routes)
                {
                    string path = route.Replace("{device}", device, StringComparison.Ordinal);
                    console.MarkupLineInterpolated($"[grey]{path} for {parse.GetValue(seconds)} s with {parse.GetValue(concurrency)} clients…[/]");
                    results.Add(await HttpLoad.RunAsync(client, path, parse.GetValue(concurrency), TimeSpan.FromSeconds(parse.GetValue(seconds)), ct));
                }

                long devicesNow = (await store.CountsAsync(DateTimeOffset.UtcNow.AddMinutes(-3), ct)).Devices;
                Render(console, results, devicesNow, fleet.Progress(TimeSpan.Zero).Publishes);
                return results.All(r => r.Errors == 0) ? 0 : 2;
            }
            finally
            {
                await stop.CancelAsync();
                if (fleetRun != null)
                {
                    try
                    {
                        await fleetRun;
                    }
                    catch (OperationCanceledException)
                    {
                        // the load is over
                    }
                }

                fleet?.Dispose();
                await serve.StopAsync(CancellationToken.None);
                Directory.Delete(dir, recursive: true);
            }
        });
        return command;
    }

    private static void Render(IAnsiConsole console, List<HttpLoadResult> results, long devices, long publishes)
    {
        var table = new Table().AddColumns("route", "requests/s", "p50 ms", "p99 ms", "max ms", "errors", "vs /healthz");
        double floor = results[0].RequestsPerSecond;
        foreach (HttpLoadResult r in results)
        {
            table.AddRow(
                Markup.Escape(r.Route),
                r.RequestsPerSecond.ToString("N0"),
                r.P50Milliseconds.ToString("0.00"),
                r.P99Milliseconds.ToString("0.00"),
                r.MaxMilliseconds.ToString("0.0"),
                r.Errors == 0 ? "0" : $"[red]{r.Errors}[/]",
                (r.RequestsPerSecond / floor).ToString("0.00"));
        }

        console.Write(table);
        var chart = new BarChart().Width(70).Label("[bold]requests/s[/]");
        foreach (HttpLoadResult r in results)
        {
            chart.AddItem(r.Route.Length > 28 ? r.Route[..28] : r.Route, Math.Round(r.RequestsPerSecond), r == results[0] ? Color.Grey : Color.Green);
        }

        console.Write(chart);
        HttpLoadResult worst = results.Skip(1).OrderBy(r => r.RequestsPerSecond).First();
        console.MarkupLineInterpolated($"{devices} devices in the store, {publishes:N0} publishes by the virtual fleet meanwhile; the slowest API route held {worst.RequestsPerSecond:N0} requests/s at p99 {worst.P99Milliseconds:0.0} ms ({worst.Concurrency} clients)");
    }
}
