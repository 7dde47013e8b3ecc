using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Hosting;

namespace TinyMLOps.Host.Tests.Web;

/// <summary>A running `serve` (embedded broker, SQLite store, HTTP on a free loopback port) and clients holding keys of each role.</summary>
internal sealed class ServeHarness : IAsyncDisposable
{
    private readonly string _dir;

    private ServeHarness(IHost host, Uri address, SyncOptions options, string dir)
    {
        _dir = dir;
        Host = host;
        Address = address;
        Options = options;
    }

    public IHost Host { get; }

    public Uri Address { get; }

    public SyncOptions Options { get; }

    public IFleetStore Store => Host.Services.GetRequiredService<IFleetStore>();

    public static async Task<ServeHarness> StartAsync(Action<SyncOptions>? configure = null)
    {
        string dir = Directory.CreateTempSubdirectory("tinymlops-web-").FullName;
        var options = new SyncOptions
        {
            BrokerPort = MosquittoProcess.FreePort(),
            SqlitePath = Path.Combine(dir, "fleet.db"),
            WorkerId = "tinymlops-host-web",
        };
        configure?.Invoke(options);
        IHost host = ServeApp.Build(ServeSettings.From(options, new HttpOptions { Url = "http://127.0.0.1:0" }));
        await host.StartAsync();
        var harness = new ServeHarness(host, ServeApp.HttpAddress(host)!, options, dir);
        // The store is migrated by the host service as it starts; wait for it before tests write keys.
        var status = host.Services.GetRequiredService<HostStatus>();
        for (int i = 0; i < 200 && status.Sync == null; i++)
        {
            await Task.Delay(25);
        }

        return harness;
    }

    /// <summary>A new key of the role, stored directly (as `tinymlops apikey create` does), as its token.</summary>
    public async Task<string> KeyAsync(ApiRole role, string name = "test")
    {
        (ApiKeyRecord record, string token) = ApiKeys.Create(name + "-" + ApiKeys.RoleName(role), role, "test", DateTimeOffset.UtcNow);
        Assert.True(await Store.CreateApiKeyAsync(record));
        return token;
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (token != null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        if (Host is IAsyncDisposable d)
        {
            await d.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
