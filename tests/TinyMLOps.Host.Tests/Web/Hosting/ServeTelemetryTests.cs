using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Web.Hosting;

namespace TinyMLOps.Host.Tests.Web.Hosting;

public sealed class ServeTelemetryTests
{
    [Fact]
    public async Task Metrics_and_traces_reach_an_OTLP_collector_over_http()
    {
        // A stand-in collector: a real HTTP server taking OTLP/HTTP protobuf posts, keeping each body by path.
        var received = new ConcurrentDictionary<string, ConcurrentBag<byte[]>>(StringComparer.Ordinal);
        WebApplicationBuilder collectorBuilder = WebApplication.CreateBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using WebApplication collector = collectorBuilder.Build();
        collector.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.GetOrAdd(signal, _ => []).Add(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        string endpoint = collector.Urls.First();

        string dir = Directory.CreateTempSubdirectory("tinymlops-otlp-").FullName;
        var options = new SyncOptions { BrokerPort = MosquittoProcess.FreePort(), SqlitePath = Path.Combine(dir, "fleet.db"), WorkerId = "tinymlops-host-otlp" };
        var telemetry = new TelemetryOptions { OtlpEndpoint = endpoint, OtlpProtocol = "http/protobuf", ExportInterval = TimeSpan.FromMilliseconds(300) };
        using IHost serve = ServeApp.Build(ServeSettings.From(options, new HttpOptions { Url = "http://127.0.0.1:0" }, telemetry));
        await serve.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = ServeApp.HttpAddress(serve) };
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("api/v1/devices")).StatusCode); // a server span
            for (int i = 0; i < 100 && !(Has("metrics", "tinymlops.devices.online") && received.ContainsKey("traces")); i++)
            {
                await Task.Delay(100);
            }

            Assert.True(Has("metrics", "tinymlops.devices.online"), "no OTLP metrics export named the host's instruments");
            Assert.True(Has("metrics", "tinymlops-host-otlp"), "the resource names the worker");
            Assert.True(received.ContainsKey("traces"), "no OTLP trace export");
        }
        finally
        {
            await serve.StopAsync();
            Directory.Delete(dir, recursive: true);
        }

        bool Has(string signal, string text) =>
            received.TryGetValue(signal, out var bodies) && bodies.Any(b => Encoding.UTF8.GetString(b).Contains(text, StringComparison.Ordinal));
    }
}
