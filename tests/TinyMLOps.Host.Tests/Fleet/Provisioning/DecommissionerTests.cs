using TinyMLOps.Fleet.Broker;
using TinyMLOps.Fleet.Devices;
using TinyMLOps.Fleet.Provisioning;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Host.Tests.Fleet.Sync;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Provisioning;

/// <summary>Decommissioning against the real embedded broker and host worker, with virtual boards.</summary>
[Collection(SyncCollection.Name)]
public sealed class DecommissionerTests
{
    [Fact]
    public async Task A_decommissioned_device_is_disconnected_cannot_log_in_again_and_its_messages_are_rejected()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true);
        host.Pipeline.DecommissionedRefresh = TimeSpan.Zero;
        h.AddBoard("dec-0", port);
        h.AddBoard("dec-1", port);
        for (int i = 0; i < 100 && (await store.ListDevicesAsync("test")).Count < 2; i++)
        {
            h.Run(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), pauseMillis: 10);
        }

        var broker = host.Broker!;
        Assert.True(await broker.IsConnectedAsync("dec-0"));

        var result = await new Decommissioner(store).DecommissionAsync("dec-0", "stolen from the site");
        Assert.False(result.AlreadyDecommissioned);
        Assert.Equal("stolen from the site", result.Device.DecommissionReason);
        Assert.Null(result.Device.CredentialHash);

        // The host's housekeeping does this every pass; called here so the test need not wait for it.
        Assert.Equal(1, await broker.EvictDecommissionedAsync());
        for (int i = 0; i < 50 && await broker.IsConnectedAsync("dec-0"); i++)
        {
            await Task.Delay(20);
        }

        Assert.False(await broker.IsConnectedAsync("dec-0"));
        Assert.True(await broker.IsConnectedAsync("dec-1"));

        // Its next login is refused, while the broker needs no credentials from anyone else.
        long refusedBefore = broker.RefusedConnections;
        using (var again = new MqttNetTransport("127.0.0.1", port, "dec-0", timeout: TimeSpan.FromSeconds(2)))
        {
            again.LinkUp = true;
            Assert.False(again.Connect());
        }

        Assert.True(broker.RefusedConnections > refusedBefore);
        h.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), pauseMillis: 10);
        Assert.False(await broker.IsConnectedAsync("dec-0"));
        Assert.True(await broker.IsConnectedAsync("dec-1"));

        // A message that still reaches the host (an external broker, or one in flight) is a recorded reject, not stored.
        long stored = (await store.GetDeviceAsync("dec-0"))!.MessageCount;
        var heartbeat = new Message(MessageKind.Heartbeat, "dec-0", 9999, 0, new HeartbeatPayload().Encode());
        await host.Pipeline.ProcessAsync([new InboundUplink(Topics.Up("test", "dec-0", MessageKind.Heartbeat), WireCodec.Encode(heartbeat), DateTimeOffset.UtcNow, _ => Task.CompletedTask)], CancellationToken.None);
        var reject = (await store.RejectsAsync(10)).First();
        Assert.Equal((RejectReason.Decommissioned, "dec-0"), (reject.Reason, reject.DeviceId));
        Assert.StartsWith("decommissioned: heartbeat 9999", reject.Detail, StringComparison.Ordinal);
        Assert.Equal(stored, (await store.GetDeviceAsync("dec-0"))!.MessageCount);
        Assert.DoesNotContain(9999L, await store.SequencesAsync("dec-0"));

        // Listings and cohorts leave it out unless asked; a second decommission keeps the first record.
        var directory = new DeviceDirectory(store);
        Assert.Equal(["dec-1"], (await directory.ListAsync(new DeviceSelection())).Select(d => d.Device.DeviceId));
        Assert.Equal(["dec-0", "dec-1"], (await directory.ListAsync(new DeviceSelection(IncludeDecommissioned: true))).Select(d => d.Device.DeviceId));
        var twice = await new Decommissioner(store).DecommissionAsync("dec-0", "again");
        Assert.True(twice.AlreadyDecommissioned);
        Assert.Equal("stolen from the site", twice.Device.DecommissionReason);
        await Assert.ThrowsAsync<ArgumentException>(() => new Decommissioner(store).DecommissionAsync("dec-1", " "));
        await Assert.ThrowsAsync<ArgumentException>(() => new Decommissioner(store).DecommissionAsync("nobody", "x"));
    }
}
