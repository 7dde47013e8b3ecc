using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>The host worker runs the ledger when it has the master key: catch-up on start, then after every batch.</summary>
[Collection(SyncCollection.Name)]
public sealed class SyncHostLedgerTests
{
    [Fact]
    public async Task A_host_worker_with_the_master_key_catches_up_on_start_and_verifies_each_new_batch()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        await f.SendAsync("dev-1", d.Next("kws", 10), d.Next("kws", 20));

        var options = new SyncOptions { EmbeddedBroker = true, BrokerPort = MosquittoProcess.FreePort(), WorkerId = "meter-test", ArtifactMasterKey = Convert.ToHexString(LedgerFixture.MasterKey) };
        await using (var host = await SyncHost.StartAsync(options, f.Store, NullLoggerFactory.Instance))
        {
            Assert.NotNull(host.Ledger);
            Assert.Equal(30, await f.BilledAsync("dev-1", "kws"));

            var message = new Message(MessageKind.UsageReceipt, "dev-1", 3, 0, d.Next("kws", 5).Encode());
            // With the master key the worker takes only uplinks tagged with the device's uplink key, as boards send them.
            byte[] tagged = WireCodec.Encode(message, EnvelopeKeys.Uplink(new TinyMLOps.Fleet.Security.DeviceKeys(LedgerFixture.MasterKey).For("dev-1")));
            await host.Pipeline.ProcessAsync([new InboundUplink(Topics.Up("lab", "dev-1", MessageKind.UsageReceipt), tagged, f.Time.Now, _ => Task.CompletedTask)], CancellationToken.None);
            Assert.Equal(35, await f.BilledAsync("dev-1", "kws"));
        }

        // Without the key the worker stores receipts but does not verify them.
        options = new SyncOptions { EmbeddedBroker = true, BrokerPort = MosquittoProcess.FreePort(), WorkerId = "meter-test-2", ArtifactMasterKey = null };
        if (Environment.GetEnvironmentVariable(TinyMLOps.Fleet.Security.DeviceKeys.EnvironmentVariable) is null)
        {
            await using var keyless = await SyncHost.StartAsync(options, f.Store, NullLoggerFactory.Instance);
            Assert.Null(keyless.Ledger);
        }
    }
}
