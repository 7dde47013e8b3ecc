using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Host.Tests.Fleet.Telemetry;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Web.Api;

/// <summary>
/// One running `serve` with a registry and a master key, seeded through the store calls the ingest makes: six
/// devices of fleet "lab" on mlp-drift (cam-0 drifts after its second window, sends receipts and has commands,
/// cam-1 forges a receipt, cam-5 is an extraction suspect) and kw-1 on kws; and a key of each role.
/// </summary>
public sealed class ApiFleet : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tinymlops-api-").FullName;

    internal ServeHarness Serve { get; private set; } = null!;

    public HttpClient Viewer { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string registry = Path.Combine(_dir, "registry");
        byte[] file = DriftTestModels.MlpWithProfile;
        var summary = ModelSummary.Of(file);
        VariantRegistry.Open(registry).Add(new VariantArtifact("mlp-drift", "fashion", 0, summary.ContentHash, "mlp", 1, 0.8, 100, summary, "test", DateTimeOffset.UnixEpoch), file);
        Serve = await ServeHarness.StartAsync(o =>
        {
            o.VariantRegistryPath = registry;
            o.ArtifactMasterKey = Convert.ToHexString(LedgerFixture.MasterKey);
        });
        IFleetStore store = Serve.Store;
        // Hellos first (the drift ingest reads the board and firmware), then windows and receipts from January, then the
        // devices' latest hellos: cam-d d minutes ago (cam-0's with its drift consent turned off), kw-1 two hours ago.
        var now = DateTimeOffset.UtcNow;
        await store.IngestAsync([.. Hellos(1, now.AddDays(-30), UploadConsent.On)]);
        await SeedDriftAsync(store, registry);
        await SeedReceiptsAsync(store);
        var heartbeat = new HeartbeatPayload { PowerSource = 2, Inferences = 500, Telemetry = [TelemetrySamples.Variant("mlp-drift", 500, 20_000)] };
        await store.IngestAsync([
            .. Hellos(200, now, UploadConsent.Off),
            new IngestRecord("lab", "cam-0", 201, MessageKind.Heartbeat, 0, now, heartbeat.Encode()) { Heartbeat = heartbeat }]);

        var at = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);
        await store.UpsertExtractionSuspectAsync(new ExtractionSuspectRecord(
            "cam-5", SuspectStates.Flagged, 3, "rate 7230/h is 16.0x the fleet median 452/h", "mlp-drift", 28_900, 7_230, 7_080, 452, 0.033, 0.502, 0.479, true, at, at, null, string.Empty));
        long reboot = await store.EnqueueCommandAsync("cam-0", "reboot", []);
        await store.CompleteCommandAsync(reboot, 0, "rebooted", now);
        await store.EnqueueCommandAsync("cam-0", "set-interval", [1]);

        Viewer = Serve.Client(await Serve.KeyAsync(ApiRole.Viewer));
        Operator = Serve.Client(await Serve.KeyAsync(ApiRole.Operator));
    }

    public async Task DisposeAsync()
    {
        Viewer.Dispose();
        Operator.Dispose();
        await Serve.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static IEnumerable<IngestRecord> Hellos(long seq, DateTimeOffset now, int cam0Drift)
    {
        for (int d = 0; d < 6; d++)
        {
            var hello = new HelloPayload { Board = "esp32-devkitc", FirmwareVersion = "0.5.0", ModelId = "mlp-drift", ConsentSettings = [d == 0 ? cam0Drift : UploadConsent.On, UploadConsent.Off, UploadConsent.On] };
            yield return new IngestRecord("lab", $"cam-{d}", seq, MessageKind.Hello, 0, now.AddMinutes(-d), hello.Encode()) { Hello = hello };
        }

        var kws = new HelloPayload { Board = "esp32-s3", FirmwareVersion = "0.5.0", ModelId = "kws" };
        yield return new IngestRecord("lab", "kw-1", seq, MessageKind.Hello, 0, now.AddHours(-2), kws.Encode()) { Hello = kws };
    }

    private static async Task SeedDriftAsync(IFleetStore store, string registry)
    {
        await store.IngestAsync(DriftSeed.Windows(6, firstSequence: 10));
        await new DriftIngest(store, DriftProfiles.FromRegistry(VariantRegistry.Open(registry))).CatchUpAsync();
    }

    /// <summary>cam-0 (customer acme) bills 2,300 inferences of two models; cam-1 sends a good receipt and a forged one and is flagged (as MeterCliTests).</summary>
    private static async Task SeedReceiptsAsync(IFleetStore store)
    {
        var keys = new DeviceKeys(LedgerFixture.MasterKey);
        var cam0 = new DeviceChain("cam-0", keys.For("cam-0"));
        var cam1 = new DeviceChain("cam-1", keys.For("cam-1"));
        var forged = cam1.Make(2, "mlp-drift", 400, 9_999);
        forged.Sign(new byte[32]);
        var payloads = new (string Device, byte[] Payload)[]
        {
            ("cam-0", cam0.Next("mlp-drift", 1_200).Encode()),
            ("cam-0", cam0.Next("kws", 300).Encode()),
            ("cam-0", cam0.Next("mlp-drift", 800, grace: 100).Encode()),
            ("cam-1", cam1.Next("mlp-drift", 400).Encode()),
            ("cam-1", forged.Encode()),
        };
        var at = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);
        long seq = 100;
        await store.IngestAsync([.. payloads.Select(p => new IngestRecord("lab", p.Device, ++seq, MessageKind.UsageReceipt, 0, at, p.Payload))]);
        await store.SetCustomerAsync("cam-0", "acme");
        await new ReceiptLedger(store, keys).CatchUpAsync();
    }
}
