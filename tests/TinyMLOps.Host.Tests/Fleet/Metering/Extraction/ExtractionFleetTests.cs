using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Simulation.VirtualBoards;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Fleet.Metering.Extraction;

/// <summary>
/// End to end over the embedded broker: six virtual boards classify real Fashion-MNIST images at their normal pace
/// and one attacker board queries twenty times faster with noise and boundary probes around a few seed images. The
/// boards' own meters measure the signals and sign them into their receipts; the host flags the attacker only and
/// cuts its quota.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class ExtractionFleetTests(ITestOutputHelper output)
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1))];

    [Fact]
    public async Task A_simulated_extraction_attack_is_flagged_and_its_quota_cut_while_normal_devices_are_not()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var store = h.OpenSqlite();
        h.Own(store);
        var host = await SyncHost.StartAsync(
            new SyncOptions { EmbeddedBroker = true, BrokerPort = port, WorkerId = "tinymlops-host-extraction", MaxBatch = 256, ArtifactMasterKey = Convert.ToHexString(MasterKey) },
            store,
            NullLoggerFactory.Instance);
        h.Own(host);
        Assert.NotNull(host.Extraction);
        var keys = new DeviceKeys(MasterKey);
        byte[] model = DriftTestModels.MlpWithProfile;

        var boards = new List<VirtualBoard>();
        for (int i = 0; i < 6; i++)
        {
            boards.Add(h.AddBoard(
                new VirtualBoardOptions { DeviceId = $"shop-{i}", Fleet = "retail", HeartbeatIntervalSeconds = 3600, InferencesPerMinute = 5 + i, Seed = i + 1 },
                port,
                artifactKey: keys.For($"shop-{i}"),
                sensor: new DatasetSensor(TestData.Fashion.Test.Slice(i * 1500, 1500)),
                model: model));
        }

        var attacker = h.AddBoard(
            new VirtualBoardOptions { DeviceId = "shop-x", Fleet = "retail", HeartbeatIntervalSeconds = 3600, InferencesPerMinute = 120, Seed = 99 },
            port,
            artifactKey: keys.For("shop-x"),
            sensor: new ExtractionAttackSensor(TestData.Fashion.Test.Slice(9000, 16), noiseShare: 0.5, seed: 7),
            model: model);

        // Four hours: receipts are cut hourly (device clock), then everything is flushed and drained.
        h.Run(TimeSpan.FromHours(4), TimeSpan.FromMinutes(1), pauseMillis: 2);
        foreach (var b in boards.Append(attacker))
        {
            b.Device.Meter.Flush((uint)h.Clock.Now.ToUnixTimeSeconds());
        }

        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        await Sync.MosquittoSyncTests.WaitUntilAsync(() =>
        {
            var suspects = store.ExtractionSuspectsAsync().Result;
            return suspects.Count == 7 && suspects.Sum(s => s.Observed) >= boards.Sum(b => b.Inferences) + attacker.Inferences - 100;
        });

        var all = await store.ExtractionSuspectsAsync();
        foreach (var s in all)
        {
            output.WriteLine($"{s.DeviceId}: {s.State} score {s.Score} rate {s.RatePerHour:F0}/h (fleet {s.FleetPerHour:F0}, own {s.BaselinePerHour:F0}) low {s.LowShare:P1} ood {s.OodShare:P1} dup {s.DupShare:P1} - {s.Reasons}");
        }

        var flagged = Assert.Single(all, s => s.Flagged);
        Assert.Equal("shop-x", flagged.DeviceId);
        Assert.True(flagged.QuotaCut);
        Assert.True(flagged.RatePerHour > 10 * flagged.FleetPerHour, $"{flagged.RatePerHour} vs {flagged.FleetPerHour}");
        Assert.InRange(flagged.OodShare, 0.4, 0.6);
        Assert.True(flagged.DupShare > 0.3, $"{flagged.DupShare}");

        // Flagged once, published once to the webhook outbox (the device was evaluated many times since).
        var suspect = JsonDocument.Parse(Assert.Single(await store.FleetEventsAsync(FleetEventTypes.ExtractionSuspect)).Payload).RootElement.GetProperty("data");
        Assert.Equal(("shop-x", true, flagged.Score), (suspect.GetProperty("deviceId").GetString(), suspect.GetProperty("quotaCut").GetBoolean(), suspect.GetProperty("reasons").GetArrayLength()));
        Assert.All(all.Where(s => s.DeviceId != "shop-x"), s =>
        {
            Assert.Equal(SuspectStates.Normal, s.State);
            Assert.Equal(0, s.Score);
            Assert.True(s.OodShare < 0.05 && s.DupShare < 0.05, $"{s.DeviceId}: ood {s.OodShare} dup {s.DupShare}");
        });

        // The cut quota: no token for the attacker until an operator clears it; the others are served.
        var issuer = new QuotaIssuer(store, keys, host);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => issuer.GrantAsync(new QuotaGrantRequest("shop-x", "fashion", 1000, TimeSpan.FromDays(1))));
        Assert.Contains("model-extraction suspect", refused.Message);
        await issuer.GrantAsync(new QuotaGrantRequest("shop-0", "fashion", 1000, TimeSpan.FromDays(1)));
        await host.Extraction!.ClearAsync("shop-x", "penetration test by the customer");
        await issuer.GrantAsync(new QuotaGrantRequest("shop-x", "fashion", 1000, TimeSpan.FromDays(1)));

        // Billing is untouched: the attacker's inferences are billed like anyone's.
        long billed = 0;
        for (int i = 0; i < 100 && billed < attacker.Inferences; i++)
        {
            await Task.Delay(50);
            billed = (await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery())).Lines.Where(l => l.DeviceId == "shop-x").Sum(l => l.Inferences);
        }

        Assert.True(billed >= attacker.Inferences, $"{billed} billed of {attacker.Inferences}");
    }
}
