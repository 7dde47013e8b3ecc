using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Consent;

/// <summary>
/// End to end over the embedded broker: virtual boards with different consent run a profiled, metered model; the host
/// records what each consented to and every change, gets no drift windows from a board with drift off while its usage
/// receipts arrive, and rejects a drift window forged on that board's topic.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class ConsentFleetTests
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1))];

    [Fact]
    public async Task The_host_records_consent_and_its_changes_gets_no_drift_from_a_board_with_drift_off_and_rejects_a_forged_window()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        byte[] model = DriftTestModels.MlpWithProfile;
        var registry = VariantRegistry.Open(Path.Combine(h.Directory_, "registry"));
        var summary = ModelSummary.Of(model);
        registry.Add(new VariantArtifact("mlp-drift", "fashion", 0, summary.ContentHash, "mlp", 1, 0.8, 100, summary, "test", DateTimeOffset.UnixEpoch), model);
        var store = h.OpenSqlite();
        h.Own(store);
        var host = await SyncHost.StartAsync(
            new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-consent", MaxBatch = 256, VariantRegistryPath = registry.Root, ArtifactMasterKey = Convert.ToHexString(MasterKey) },
            store,
            NullLoggerFactory.Instance);
        h.Own(host);

        var keys = new DeviceKeys(MasterKey);
        string[] consents = ["drift:on,learning:on,telemetry:on", "drift:off,learning:wifi,telemetry:on", "drift:ask,learning:off,telemetry:charging"];
        var boards = new VirtualBoard[consents.Length];
        for (int i = 0; i < consents.Length; i++)
        {
            string id = $"consent-{i}";
            boards[i] = h.AddBoard(
                new VirtualBoardOptions { DeviceId = id, Fleet = "lab", HeartbeatIntervalSeconds = 3600, InferencesPerMinute = 20, DriftWindowSeconds = 600, Consent = consents[i], MeteredLink = i == 1, Seed = i + 1 },
                port,
                artifactKey: keys.For(id),
                sensor: new DatasetSensor(TestData.Fashion.Test.Slice(i * 1000, 1000)),
                model: model);
        }

        // Half an hour (three drift windows per consenting board); the user grants drift on board 2 after ten minutes.
        h.Run(TimeSpan.FromMinutes(31), TimeSpan.FromMinutes(1), pauseMillis: 5, everyStep: i =>
        {
            if (i == 10)
            {
                boards[2].Device.GrantConsent(UploadConsent.Drift);
            }
        });
        foreach (var board in boards)
        {
            board.Device.Meter!.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        }

        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(30)));
        // Drained means stored; the drift rows are scored right after: wait until every stored window has its row.
        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            int stored = boards.Sum(b => store.MessagesAsync(b.DeviceId, MessageKind.Drift).Result.Count);
            return stored >= 4 && store.DriftWindowsAsync(new DriftWindowQuery()).Result.Count == stored;
        });

        // What each device consented to, as recorded from its hellos.
        var consent0 = await store.ConsentAsync("consent-0");
        Assert.Equal(["drift on", "learning on", "telemetry on"], consent0.Select(c => $"{c.Category} {c.Setting}"));
        var consent1 = await store.ConsentAsync("consent-1");
        Assert.Equal(["drift off", "learning wifi", "telemetry on"], consent1.Select(c => $"{c.Category} {c.Setting}"));
        Assert.True(consent1.Single(c => c.Category == "drift").Denied);
        var consent2 = await store.ConsentAsync("consent-2");
        Assert.Equal(["drift ask (granted)", "learning off", "telemetry charging"], consent2.Select(c => $"{c.Category} {c.Shown}"));
        Assert.False(consent2.Single(c => c.Category == "drift").Denied);

        // The history: the first report of each category, then the user's grant on board 2.
        var history = await store.ConsentChangesAsync("consent-2");
        Assert.Equal(4, history.Count);
        Assert.All(history.Take(3), c => Assert.Null(c.OldSetting));
        var grant = history[^1];
        Assert.Equal(("drift", "ask", false, "ask", true), (grant.Category, grant.OldSetting, grant.OldGranted, grant.NewSetting, grant.NewGranted));
        Assert.True(grant.At > history[0].At);
        Assert.Equal(3, (await store.ConsentChangesAsync("consent-1")).Count);

        // No drift windows from the board with drift off, windows from the others; receipts from every board.
        var windows = await store.DriftWindowsAsync(new DriftWindowQuery());
        Assert.Equal(3, windows.Count(w => w.DeviceId == "consent-0"));
        Assert.DoesNotContain(windows, w => w.DeviceId == "consent-1");
        Assert.InRange(windows.Count(w => w.DeviceId == "consent-2"), 1, 2); // only windows finished after the grant
        Assert.True(boards[1].Device.Drift.WindowsWithheld >= 3);
        Assert.Empty(await store.MessagesAsync("consent-1", MessageKind.Drift));
        foreach (var board in boards)
        {
            Assert.NotEmpty(await store.MessagesAsync(board.DeviceId, MessageKind.UsageReceipt));
        }

        // A drift window sent anyway by the board with drift off (tagged with its own key, so only consent can refuse it)
        // is refused and counted as no_consent.
        var real = (await store.MessagesAsync("consent-0", MessageKind.Drift))[0];
        var forged = new Message(MessageKind.Drift, "consent-1", 1_000_000, (uint)h.Clock.Now.ToUnixTimeSeconds(), real.Payload);
        Assert.True(boards[1].Transport.Publish(Topics.Up("lab", "consent-1", MessageKind.Drift), WireCodec.Encode(forged, EnvelopeKeys.Uplink(keys.For("consent-1")))));
        await MosquittoSyncTests.WaitUntilAsync(() => store.RejectsAsync().Result.Any(r => r.Reason == RejectReason.NoConsent));

        var reject = (await store.RejectsAsync()).Single(r => r.Reason == RejectReason.NoConsent);
        Assert.Equal("consent-1", reject.DeviceId);
        Assert.Equal("no_consent: drift 1000000 from a device whose recorded drift consent is off", reject.Detail);
        Assert.Equal(1, host.Metrics.RejectedByReason["no_consent"]);
        Assert.Empty(await store.MessagesAsync("consent-1", MessageKind.Drift));
    }
}
