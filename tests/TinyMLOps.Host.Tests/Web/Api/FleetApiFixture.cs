using TinyMLOps.Fleet.Access;
using TinyMLOps.Host.Tests.Fleet.Rollouts;
using TinyMLOps.Modelling.Variants;

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
        Registry = TwoVariantFleet.Registry(registry, 0.81, 0.93);
        _serve = await ServeHarness.StartAsync(o => o.VariantRegistryPath = registry);
        await Serve.Store.IngestAsync(TwoVariantFleet.LabDevices(4));
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
