using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>A running `serve` (with a master key unless asked not to) whose fleet "yard" has four devices that said hello, and a client of each role.</summary>
internal sealed class OperationsServe : IAsyncDisposable
{
    public const int Devices = 4;

    private OperationsServe(ServeHarness serve) => Serve = serve;

    public ServeHarness Serve { get; }

    public HttpClient Viewer { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public static async Task<OperationsServe> StartAsync(bool masterKey = true)
    {
        var serve = new OperationsServe(await ServeHarness.StartAsync(o => o.ArtifactMasterKey = masterKey ? Convert.ToHexString(LedgerFixture.MasterKey) : null));
        var now = DateTimeOffset.UtcNow;
        var hellos = new List<IngestRecord>();
        for (int d = 0; d < Devices; d++)
        {
            var hello = new HelloPayload { Board = "esp32-devkitc", FirmwareVersion = "0.5.0", ModelId = "mlp-drift" };
            hellos.Add(new IngestRecord("yard", $"yd-{d}", 1, MessageKind.Hello, 0, now.AddMinutes(-d), hello.Encode()) { Hello = hello });
        }

        await serve.Serve.Store.IngestAsync(hellos);
        serve.Viewer = serve.Serve.Client(await serve.Serve.KeyAsync(ApiRole.Viewer));
        serve.Operator = serve.Serve.Client(await serve.Serve.KeyAsync(ApiRole.Operator));
        serve.Admin = serve.Serve.Client(await serve.Serve.KeyAsync(ApiRole.Admin));
        serve.Anonymous = serve.Serve.Client();
        return serve;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Viewer, Operator, Admin, Anonymous })
        {
            client?.Dispose();
        }

        await Serve.DisposeAsync();
    }
}
