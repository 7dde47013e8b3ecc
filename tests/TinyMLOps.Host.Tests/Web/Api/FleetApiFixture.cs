using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>
/// One `serve` for the variant, rollout and round routes: a registry of two tiny models (fc-a, fc-b more accurate)
/// and four esp32-s3 devices of fleet "lab" running fc-a. No artifact key, so the host records rollouts and rounds
/// but does not carry them out, and what the tests read stays as the API left it.
/// </summary>
public sealed class FleetApiFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tinymlops-api2-").FullName;
    private ServeHarness? _serve;

    internal ServeHarness Serve => _serve ?? throw new InvalidOperationException("not started");

    public VariantRegistry Registry { get; private set; } = null!;

    public string Viewer { get; private set; } = "";

    public string Operator { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string registry = Path.Combine(_dir, "variants");
        var reg = VariantRegistry.Open(registry);
        foreach (var (id, diagonal, accuracy) in new[] { ("fc-a", (byte)90, 0.81), ("fc-b", (byte)91, 0.93) })
        {
            byte[] file = BrightestModel.Build(id, diagonal, ["l", "m", "r"]);
            var summary = ModelSummary.Of(file);
            reg.Add(new VariantArtifact(id, "brightest", 0, summary.ContentHash, "fc", 1, accuracy, 100, summary, "first release of " + id, DateTimeOffset.UnixEpoch), file);
        }

        Registry = VariantRegistry.Open(registry);
        _serve = await ServeHarness.StartAsync(o => o.VariantRegistryPath = registry);
        var records = new List<IngestRecord>();
        for (int i = 0; i < 4; i++)
        {
            var hello = new HelloPayload { Board = "esp32-s3", FreeHeapBytes = 300_000, FreeFlashBytes = 1_000_000, PowerSource = 2 };
            var installed = new VariantSwitchPayload
            {
                Reason = VariantSwitchPayload.ReasonInstalled, FromRole = 1, ToRole = 1, AssignedRole = 1, TransferId = 7, PowerSource = 2, PluggedVariantId = "fc-a",
            };
            records.Add(new IngestRecord("lab", $"s3-{i}", 1, MessageKind.Hello, 0, DateTimeOffset.UtcNow, hello.Encode()) { Hello = hello });
            records.Add(new IngestRecord("lab", $"s3-{i}", 2, MessageKind.VariantSwitch, 0, DateTimeOffset.UtcNow, installed.Encode()));
        }

        await Serve.Store.IngestAsync(records);
        Viewer = await Serve.KeyAsync(ApiRole.Viewer);
        Operator = await Serve.KeyAsync(ApiRole.Operator);
    }

    public async Task DisposeAsync()
    {
        if (_serve != null)
        {
            await _serve.DisposeAsync();
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
