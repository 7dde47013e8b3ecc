using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>The ingest's envelope tags and sequence conflicts, on a real SQLite store without a broker.</summary>
public sealed class IngestAuthenticationTests : IAsyncLifetime
{
    private static readonly DeviceKeys Keys = new([.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 3))]);
    private readonly string _dir = Directory.CreateTempSubdirectory("tinymlops-authn-").FullName;
    private readonly HostMetrics _metrics = new();
    private readonly List<(string Topic, byte[] Bytes)> _downlinks = [];
    private IFleetStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = FleetStoreFactory.Open(null, Path.Combine(_dir, "fleet.db"));
        await _store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private IngestPipeline Pipeline(EnvelopeAuth auth) => new(_store, _metrics, NullLogger.Instance, 64)
    {
        Auth = auth,
        PublishDownlink = (topic, bytes, _) =>
        {
            lock (_downlinks)
            {
                _downlinks.Add((topic, bytes));
            }

            return Task.FromResult(true);
        },
    };

    private static InboundUplink Heartbeat(string device, uint seq, uint uptime, byte[]? key) =>
        new(Topics.Up("lab", device, MessageKind.Heartbeat), WireCodec.Encode(new Message(MessageKind.Heartbeat, device, seq, 0, new HeartbeatPayload { UptimeSeconds = uptime }.Encode()), key), DateTimeOffset.UtcNow, _ => Task.CompletedTask);

    private async Task<int[]> RejectReasonsAsync() => [.. (await _store.RejectsAsync()).Select(r => r.Reason).Order()];

    [Fact]
    public async Task With_the_master_key_untagged_and_wrongly_tagged_uplinks_are_rejected_and_the_devices_copy_is_stored()
    {
        var pipeline = Pipeline(new EnvelopeAuth(Keys));
        byte[] wrong = EnvelopeKeys.Uplink(Keys.For("other-device"));
        await pipeline.ProcessAsync([Heartbeat("dev-1", 1, 111, null), Heartbeat("dev-1", 2, 222, wrong)], CancellationToken.None);
        Assert.Empty(await _store.SequencesAsync("dev-1"));
        int[] reasons = await RejectReasonsAsync();
        Assert.Equal(new[] { RejectReason.Unauthenticated, RejectReason.BadTag }.Order(), reasons);

        await pipeline.ProcessAsync([Heartbeat("dev-1", 1, 333, EnvelopeKeys.Uplink(Keys.For("dev-1")))], CancellationToken.None);
        var stored = Assert.Single(await _store.MessagesAsync("dev-1"));
        Assert.Equal(333u, HeartbeatPayload.Decode(stored.Payload).UptimeSeconds);

        // Every downlink (the acks here) carries the device's downlink tag, and no other key's.
        Assert.NotEmpty(_downlinks);
        Assert.All(_downlinks, d => Assert.True(WireCodec.Verify(d.Bytes, EnvelopeKeys.Downlink(Keys.For("dev-1")))));
        Assert.All(_downlinks, d => Assert.False(WireCodec.Verify(d.Bytes, EnvelopeKeys.Uplink(Keys.For("dev-1")))));
    }

    [Fact]
    public async Task A_sequence_presented_again_with_other_bytes_is_recorded_as_a_conflict_and_a_plain_resend_is_not()
    {
        var pipeline = Pipeline(EnvelopeAuth.None);
        await pipeline.ProcessAsync([Heartbeat("dev-2", 1, 10, null)], CancellationToken.None);
        await pipeline.ProcessAsync([Heartbeat("dev-2", 1, 10, null)], CancellationToken.None);
        Assert.Empty(await _store.RejectsAsync());

        await pipeline.ProcessAsync([Heartbeat("dev-2", 1, 99, null)], CancellationToken.None);
        var conflict = Assert.Single(await _store.RejectsAsync());
        Assert.Equal((RejectReason.Conflict, "dev-2"), (conflict.Reason, conflict.DeviceId));
        Assert.Contains("heartbeat 1", conflict.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _metrics.Rejected);

        // The first copy stays.
        Assert.Equal(10u, HeartbeatPayload.Decode(Assert.Single(await _store.MessagesAsync("dev-2")).Payload).UptimeSeconds);
    }
}
