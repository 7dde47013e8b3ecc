using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>The ingest's consent check: drift windows and model deltas of a device whose recorded consent denies them are counted rejects.</summary>
public sealed class IngestConsentTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tinymlops-consent-").FullName;
    private readonly HostMetrics _metrics = new();
    private readonly List<(string Topic, AckPayload Ack)> _acks = [];
    private IFleetStore _store = null!;
    private IngestPipeline _pipeline = null!;
    private uint _seq;

    public async Task InitializeAsync()
    {
        _store = FleetStoreFactory.Open(null, Path.Combine(_dir, "fleet.db"));
        await _store.MigrateAsync();
        _pipeline = new IngestPipeline(_store, _metrics, NullLogger.Instance, 64)
        {
            PublishDownlink = (topic, bytes, _) =>
            {
                lock (_acks)
                {
                    _acks.Add((topic, AckPayload.Decode(WireCodec.Decode(bytes).Payload)));
                }

                return Task.FromResult(true);
            },
        };
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private InboundUplink Uplink(string device, int kind, byte[] payload) =>
        new(Topics.Up("lab", device, kind), WireCodec.Encode(new Message(kind, device, ++_seq, 0, payload)), DateTimeOffset.UtcNow, _ => Task.CompletedTask);

    private InboundUplink Hello(string device, int drift, int learning, int granted = 0) =>
        Uplink(device, MessageKind.Hello, new HelloPayload { ConsentSettings = [drift, learning, UploadConsent.On], ConsentGranted = granted }.Encode());

    private InboundUplink Drift(string device) =>
        Uplink(device, MessageKind.Drift, new DriftPayload { VariantId = "v1", StartUptimeSeconds = 1, WindowSeconds = 600, SampleCount = 10, InputBins = 2, Groups = 1, InputCounts = [4, 6], ClassCounts = [10], ConfidenceCounts = [3, 7] }.Encode());

    private InboundUplink Chunk(string device, int contentType) =>
        Uplink(device, MessageKind.Chunk, new ChunkPayload { TransferId = 1, ContentType = contentType, Index = 0, Count = 1, TotalLength = 3, Data = [1, 2, 3] }.Encode());

    [Fact]
    public async Task Drift_and_deltas_are_refused_by_recorded_consent_and_still_acknowledged_while_other_traffic_is_stored()
    {
        await _pipeline.ProcessAsync([Hello("off", UploadConsent.Off, UploadConsent.Off), Hello("on", UploadConsent.On, UploadConsent.On)], CancellationToken.None);
        await _pipeline.ProcessAsync(
            [Drift("off"), Chunk("off", ModelDelta.ContentType), Chunk("off", ModelDelta.ContentType + 1), Drift("on"), Chunk("on", ModelDelta.ContentType)],
            CancellationToken.None);

        Assert.Equal(2, _metrics.RejectedByReason["no_consent"]);
        var rejects = await _store.RejectsAsync();
        Assert.Equal(
            ["no_consent: chunk 4 from a device whose recorded learning consent is off", "no_consent: drift 3 from a device whose recorded drift consent is off"],
            rejects.Select(r => r.Detail));
        Assert.All(rejects, r => Assert.Equal(RejectReason.NoConsent, r.Reason));
        Assert.Equal([1L, 5L], await _store.SequencesAsync("off")); // the hello and the chunk of another content type
        Assert.Equal([2L, 6L, 7L], await _store.SequencesAsync("on"));

        // Refused messages are acknowledged: a device that resent them would be refused again.
        var acked = _acks.Where(a => a.Topic.Contains("/off/", StringComparison.Ordinal)).SelectMany(a => new[] { 3u, 4u, 5u }.Where(a.Ack.Covers)).ToHashSet();
        Assert.Equal([3u, 4u, 5u], acked.Order());
    }

    [Fact]
    public async Task A_grant_earlier_in_the_same_batch_lets_the_window_in_and_a_revoke_refuses_the_next()
    {
        await _pipeline.ProcessAsync([Hello("ask", UploadConsent.Ask, UploadConsent.On)], CancellationToken.None);
        await _pipeline.ProcessAsync([Drift("ask"), Hello("ask", UploadConsent.Ask, UploadConsent.On, granted: 1), Drift("ask"), Hello("ask", UploadConsent.Ask, UploadConsent.On), Drift("ask")], CancellationToken.None);

        Assert.Equal([1L, 3L, 4L, 5L], await _store.SequencesAsync("ask"));
        Assert.Equal(2, _metrics.RejectedByReason["no_consent"]);
        Assert.Equal("ask (not granted)", (await _store.ConsentAsync("ask")).Single(c => c.Category == "drift").Shown);
    }
}
