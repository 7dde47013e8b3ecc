using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Sync;

/// <summary>One uplink as it left the broker, with the callback that sends its PUBACK.</summary>
public sealed record InboundUplink(string Topic, byte[] Payload, DateTimeOffset ReceivedAt, Func<CancellationToken, Task> AcknowledgeToBroker);

/// <summary>
/// Decode, store, ack. Uplinks are taken in batches; each batch is stored in one transaction, then every
/// stored or duplicate message is acknowledged to its device (application ack, on the device's downlink
/// tree) and only then to the broker (PUBACK). A store failure acknowledges nothing: the connection is
/// reset so the broker delivers the batch again, and the devices resend it anyway until they see an ack.
/// </summary>
public sealed class IngestPipeline
{
    private readonly IFleetStore _store;
    private readonly HostMetrics _metrics;
    private readonly ILogger _log;
    private readonly int _maxBatch;
    private HashSet<string>? _decommissioned;
    private DateTimeOffset _decommissionedAt;
    // Unbounded, so that the MQTT client's receive loop never waits on it: a full queue there stopped the client
    // reading, and with it the broker's PUBACK and ping traffic, stalling ingest until a keep-alive timeout (issue 21).
    // Its memory is bounded by MaxQueuedBytes instead.
    private readonly Channel<InboundUplink> _channel = Channel.CreateUnbounded<InboundUplink>();
    private long _queuedBytes;
    private long _lastShedWarning;

    public IngestPipeline(IFleetStore store, HostMetrics metrics, ILogger log, int maxBatch)
    {
        _store = store;
        _metrics = metrics;
        _log = log;
        _maxBatch = maxBatch;
        metrics.ObserveQueue(() => _channel.Reader.Count);
    }

    /// <summary>Queue depth above which <see cref="RunAsync"/> logs an overload warning, at most once a minute.</summary>
    public int QueueWarning { get; set; } = 8192;

    /// <summary>Publishes a downlink message (set by the service once the broker connection exists).</summary>
    public Func<string, byte[], CancellationToken, Task<bool>> PublishDownlink { get; set; } = (_, _, _) => Task.FromResult(false);

    /// <summary>Checks uplink tags and tags the acks (set by the host worker when it holds the master key).</summary>
    public Security.EnvelopeAuth Auth { get; set; } = Security.EnvelopeAuth.None;

    /// <summary>Called after a store failure, so the broker redelivers what was not acknowledged.</summary>
    public Func<Task> ResetConnection { get; set; } = () => Task.CompletedTask;

    /// <summary>Devices that sent a hello in the last batch (the command sender serves them).</summary>
    public event Func<IReadOnlyCollection<(string Fleet, string DeviceId)>, CancellationToken, Task>? DevicesGreeted;

    /// <summary>Chunk-status reports that arrived in a batch (the downlink transfers resume from them).</summary>
    public event Func<IReadOnlyCollection<(string DeviceId, ChunkStatusPayload Status)>, CancellationToken, Task>? ChunkStatusReceived;

    /// <summary>
    /// Raised after the acks with the messages of the batch that were new (not duplicates), in batch order. Handlers
    /// must tolerate missing a batch (a host crash between commit and handler): what they derive has to be
    /// rebuildable from the stored messages.
    /// </summary>
    public event Func<IReadOnlyList<IngestRecord>, CancellationToken, Task>? MessagesStored;

    /// <summary>
    /// Bytes of uplinks waiting for the store beyond which further uplinks are shed: acknowledged to the broker without
    /// being stored (no application ack, so their devices resend them after reconnecting), counted and logged.
    /// </summary>
    public long MaxQueuedBytes { get; set; } = 256L * 1024 * 1024;

    public ValueTask EnqueueAsync(InboundUplink uplink, CancellationToken cancellationToken)
    {
        _metrics.OnReceived(1);
        long size = SizeOf(uplink);
        if (Interlocked.Add(ref _queuedBytes, size) > MaxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            _metrics.OnShed();
            long last = Interlocked.Read(ref _lastShedWarning);
            if ((last == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(last) > TimeSpan.FromMinutes(1))
                && Interlocked.CompareExchange(ref _lastShedWarning, System.Diagnostics.Stopwatch.GetTimestamp(), last) == last)
            {
                _log.LogWarning("Ingest queue full ({Bytes} bytes waiting for the store): shedding uplinks, {Shed} so far; their devices resend them after reconnecting", MaxQueuedBytes, _metrics.Shed);
            }

            return new ValueTask(uplink.AcknowledgeToBroker(cancellationToken));
        }

        _channel.Writer.TryWrite(uplink);
        return ValueTask.CompletedTask;
    }

    // What an uplink holds in memory, roughly: payload, topic (UTF-16) and the objects around them.
    private static long SizeOf(InboundUplink uplink) => uplink.Payload.Length + (2L * uplink.Topic.Length) + 200;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Two stages: while batch N's acks go out (to devices, then PUBACKs to the broker, in arrival
        // order), batch N+1 is decoded and stored.
        Task acking = Task.CompletedTask;
        long lastWarning = 0;
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            int queued = _channel.Reader.Count;
            if (queued > QueueWarning && (lastWarning == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(lastWarning) > TimeSpan.FromMinutes(1)))
            {
                lastWarning = System.Diagnostics.Stopwatch.GetTimestamp();
                _log.LogWarning("Ingest overloaded: {Queued} uplinks wait for the store (warning threshold {Threshold}); the broker holds more behind them", queued, QueueWarning);
            }

            var batch = new List<InboundUplink>(_maxBatch);
            while (batch.Count < _maxBatch && _channel.Reader.TryRead(out var item))
            {
                batch.Add(item);
                Interlocked.Add(ref _queuedBytes, -SizeOf(item));
            }

            try
            {
                var (stored, fresh) = await StoreAsync(batch, cancellationToken).ConfigureAwait(false);
                await acking.ConfigureAwait(false);
                acking = AcknowledgeAsync(batch, stored, fresh, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _metrics.OnStoreFailure();
                _log.LogError(e, "Ingest of a batch of {Count} failed; nothing was acknowledged, the broker will deliver it again", batch.Count);
                await ResetConnection().ConfigureAwait(false);
            }
        }

        await acking.ConfigureAwait(false);
    }

    /// <summary>Processes one batch, both stages; public so tests can drive the pipeline without a broker.</summary>
    public async Task ProcessAsync(IReadOnlyList<InboundUplink> batch, CancellationToken cancellationToken)
    {
        var (stored, fresh) = await StoreAsync(batch, cancellationToken).ConfigureAwait(false);
        await AcknowledgeAsync(batch, stored, fresh, cancellationToken).ConfigureAwait(false);
    }

    // Stage 1: decode, reject, store in one transaction, complete commands.
    private async Task<(List<IngestRecord> Records, List<IngestRecord> Fresh)> StoreAsync(IReadOnlyList<InboundUplink> batch, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var span = HostMetrics.Tracing.StartActivity("ingest batch");
        span?.SetTag("tinymlops.batch.size", batch.Count);
        var records = new List<IngestRecord>(batch.Count);
        var sources = new List<InboundUplink>(batch.Count);
        foreach (var uplink in batch)
        {
            var result = UplinkDecoder.Decode(uplink.Topic, uplink.Payload, uplink.ReceivedAt, Auth.Enabled ? Auth.UplinkKey : null);
            if (result.Record != null)
            {
                records.Add(result.Record);
                sources.Add(uplink);
                continue;
            }

            await RejectAsync(uplink, result.TopicDeviceId, result.Error!, cancellationToken).ConfigureAwait(false);
        }

        var refused = await RefuseDecommissionedAsync(records, sources, cancellationToken).ConfigureAwait(false);
        await RefuseOtherFleetsAsync(records, sources, cancellationToken).ConfigureAwait(false);
        refused.AddRange(await RefuseWithoutConsentAsync(records, sources, cancellationToken).ConfigureAwait(false));
        bool[] fresh = records.Count == 0 ? [] : await _store.IngestAsync(records, cancellationToken).ConfigureAwait(false);
        int freshCount = fresh.Count(f => f);
        _metrics.OnStored(freshCount, records.Count - freshCount);
        await RecordConflictsAsync(records, sources, fresh, cancellationToken).ConfigureAwait(false);
        _metrics.OnCommitted(sources.Select(u => u.ReceivedAt), DateTimeOffset.UtcNow);
        span?.SetTag("tinymlops.batch.fresh", freshCount);
        span?.SetTag("tinymlops.batch.rejected", batch.Count - records.Count);

        for (int i = 0; i < records.Count; i++)
        {
            if (fresh[i] && records[i].CommandResult is { } result)
            {
                if (await _store.CompleteCommandAsync(result.CommandId, result.Status, result.Detail, records[i].ReceivedAt, cancellationToken).ConfigureAwait(false) is { } command)
                {
                    Observability.FleetInstruments.OnCommandResult(command, result.Status);
                }
            }
        }

        _metrics.OnStageTime(store: clock.Elapsed, ack: TimeSpan.Zero);

        // Refused for consent, yet acknowledged to the device: resending would be refused the same way.
        return ([.. records, .. refused], records.Where((_, i) => fresh[i]).ToList());
    }

    /// <summary>
    /// A duplicate (device, sequence) is a resend only when its bytes are the stored ones. Other bytes mean two senders
    /// used one sequence (a squatter on a host without keys, or a device whose storage was reset): the first copy stays,
    /// and the second is recorded as a <see cref="RejectReason.Conflict"/> rather than dropped as a duplicate. It is
    /// still acknowledged: a resend would conflict the same way.
    /// </summary>
    private async Task RecordConflictsAsync(List<IngestRecord> records, List<InboundUplink> sources, bool[] fresh, CancellationToken cancellationToken)
    {
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (fresh[i] || await _store.MessageAsync(r.DeviceId, r.Sequence, cancellationToken).ConfigureAwait(false) is not { } stored
                || (stored.Kind == r.Kind && stored.DeviceTimestamp == r.DeviceTimestamp && stored.Payload.AsSpan().SequenceEqual(r.Payload)))
            {
                continue;
            }

            var uplink = sources[i];
            string detail = $"{MessageKind.Name(r.Kind)} {r.Sequence} ({r.Payload.Length} bytes) differs from the stored {MessageKind.Name(stored.Kind)} {stored.Sequence} ({stored.Payload.Length} bytes, received {stored.ReceivedAt:O}); the stored copy stays";
            _log.LogWarning("Conflict on {Topic}: {Detail}", uplink.Topic, detail);
            await _store.RecordRejectAsync(new RejectRecord(uplink.ReceivedAt, uplink.Topic, r.DeviceId, RejectReason.Conflict, detail, uplink.Payload.Length), cancellationToken).ConfigureAwait(false);
            _metrics.OnRejected(RejectReason.Conflict);
        }
    }

    /// <summary>How long the pipeline trusts its list of decommissioned devices before reading it again.</summary>
    public TimeSpan DecommissionedRefresh { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Takes out of <paramref name="records"/> the messages of decommissioned devices (a device still connected to an
    /// external broker, or in the moment before the embedded broker evicts it) and records each as a
    /// <see cref="RejectReason.Decommissioned"/> reject. They are acknowledged so the device stops resending.
    /// </summary>
    private async Task<List<IngestRecord>> RefuseDecommissionedAsync(List<IngestRecord> records, List<InboundUplink> sources, CancellationToken cancellationToken)
    {
        var refused = new List<IngestRecord>();
        if (records.Count == 0)
        {
            return refused;
        }

        if (_decommissioned == null || DateTimeOffset.UtcNow - _decommissionedAt >= DecommissionedRefresh)
        {
            _decommissioned = (await _store.DecommissionedDevicesAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            _decommissionedAt = DateTimeOffset.UtcNow;
        }

        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (!_decommissioned.Contains(r.DeviceId))
            {
                continue;
            }

            await RefuseAsync(records, sources, i--, refused, new ProtocolException(RejectReason.Decommissioned, $"{MessageKind.Name(r.Kind)} {r.Sequence} from decommissioned device {r.DeviceId}"), cancellationToken).ConfigureAwait(false);
        }

        return refused;
    }

    private async Task RejectAsync(InboundUplink uplink, string? deviceId, ProtocolException error, CancellationToken cancellationToken)
    {
        _log.LogWarning("Rejected uplink on {Topic} ({Size} bytes): {Reason}", FleetStore.Clip(uplink.Topic, FleetStore.MaxRejectTopic), uplink.Payload.Length, error.Message);
        await _store.RecordRejectAsync(new RejectRecord(uplink.ReceivedAt, uplink.Topic, deviceId, error.Reason, error.Message, uplink.Payload.Length), cancellationToken).ConfigureAwait(false);
        // Counted after the row is written, so whoever sees the count also finds the record.
        _metrics.OnRejected(error.Reason);
    }

    /// <summary>
    /// Takes out of <paramref name="records"/> (as <see cref="RejectReason.TopicMismatch"/> rejects) the messages a device
    /// published under another fleet than the one it is registered with (or, new to the registry, than its first message
    /// in the batch): otherwise they would be stored and its hello would rewrite its board.
    /// </summary>
    private async Task RefuseOtherFleetsAsync(List<IngestRecord> records, List<InboundUplink> sources, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        var fleets = new Dictionary<string, string>(await _store.FleetsOfAsync(records.Select(r => r.DeviceId).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (!fleets.TryGetValue(r.DeviceId, out string? fleet))
            {
                fleets[r.DeviceId] = r.Fleet;
                continue;
            }

            if (fleet == r.Fleet)
            {
                continue;
            }

            var error = new ProtocolException(RejectReason.TopicMismatch, $"device registered with fleet '{fleet}' published {MessageKind.Name(r.Kind)} {r.Sequence} under fleet '{r.Fleet}'");
            await RejectAsync(sources[i], r.DeviceId, error, cancellationToken).ConfigureAwait(false);
            records.RemoveAt(i);
            sources.RemoveAt(i);
            i--;
        }
    }

    /// <summary>
    /// Defence in depth for the device's consent: takes out of <paramref name="records"/> (and records as counted
    /// <see cref="RejectReason.NoConsent"/> rejects) the drift windows and model-delta chunks of devices whose recorded
    /// consent denies that category (off, or ask without the user's grant), as of the store and the hellos earlier in
    /// the batch. Conditional settings (wifi, charging) are the device's to enforce. Returns the refused records.
    /// </summary>
    private async Task<List<IngestRecord>> RefuseWithoutConsentAsync(List<IngestRecord> records, List<InboundUplink> sources, CancellationToken cancellationToken)
    {
        var refused = new List<IngestRecord>();
        var devices = records.Where(r => r.Kind is MessageKind.Drift or MessageKind.Chunk).Select(r => r.DeviceId).ToHashSet(StringComparer.Ordinal);
        if (devices.Count == 0)
        {
            return refused;
        }

        // Device -> setting shown per denied category (absent: allowed).
        var denied = new Dictionary<string, Dictionary<int, string>>(StringComparer.Ordinal);
        foreach (string device in devices)
        {
            var categories = new Dictionary<int, string>();
            foreach (var c in await _store.ConsentAsync(device, cancellationToken).ConfigureAwait(false))
            {
                if (c.Denied)
                {
                    categories[UploadConsent.ParseCategory(c.Category)] = c.Shown;
                }
            }

            denied[device] = categories;
        }

        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (!denied.TryGetValue(r.DeviceId, out var categories))
            {
                continue;
            }

            if (r.Hello is { ConsentSettings: not null } h)
            {
                for (int c = 0; c < UploadConsent.Count; c++)
                {
                    int setting = h.ConsentOf(c);
                    if (setting >= 0 && UploadConsent.IsDenied(setting, h.Granted(c)))
                    {
                        categories[c] = UploadConsent.SettingName(setting);
                    }
                    else
                    {
                        categories.Remove(c);
                    }
                }

                continue;
            }

            int category = r.Kind == MessageKind.Drift ? UploadConsent.Drift : (r.Kind == MessageKind.Chunk ? UploadConsent.Learning : -1);
            if (category < 0 || !categories.TryGetValue(category, out string? shown)
                || (r.Kind == MessageKind.Chunk && ChunkPayload.Decode(r.Payload).ContentType != Shared.Federated.ModelDelta.ContentType))
            {
                continue;
            }

            var error = new ProtocolException(RejectReason.NoConsent, $"{MessageKind.Name(r.Kind)} {r.Sequence} from a device whose recorded {UploadConsent.CategoryName(category)} consent is {shown}");
            await RefuseAsync(records, sources, i--, refused, error, cancellationToken).ConfigureAwait(false);
        }

        return refused;
    }

    /// <summary>Records the decoded record at <paramref name="index"/> as a reject and moves it from the batch to <paramref name="refused"/>.</summary>
    private async Task RefuseAsync(List<IngestRecord> records, List<InboundUplink> sources, int index, List<IngestRecord> refused, ProtocolException error, CancellationToken cancellationToken)
    {
        var (r, uplink) = (records[index], sources[index]);
        await RejectAsync(uplink, r.DeviceId, error, cancellationToken).ConfigureAwait(false);
        refused.Add(r);
        records.RemoveAt(index);
        sources.RemoveAt(index);
    }

    // Stage 2: application acks to the devices, then PUBACKs to the broker, then commands for greeted devices.
    private async Task AcknowledgeAsync(IReadOnlyList<InboundUplink> batch, List<IngestRecord> records, List<IngestRecord> fresh, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await AcknowledgeToDevicesAsync(records, cancellationToken).ConfigureAwait(false);

            // Rejected messages are acknowledged too: redelivering them would fail the same way.
            await Task.WhenAll(batch.Select(b => b.AcknowledgeToBroker(cancellationToken))).ConfigureAwait(false);

            var greeted = records.Where(r => r.Kind == MessageKind.Hello).Select(r => (r.Fleet, r.DeviceId)).Distinct().ToList();
            if (greeted.Count > 0 && DevicesGreeted != null)
            {
                await DevicesGreeted(greeted, cancellationToken).ConfigureAwait(false);
            }

            var statuses = records.Where(r => r.ChunkStatus != null).Select(r => (r.DeviceId, r.ChunkStatus!)).ToList();
            if (statuses.Count > 0 && ChunkStatusReceived != null)
            {
                await ChunkStatusReceived(statuses, cancellationToken).ConfigureAwait(false);
            }

            if (fresh.Count > 0 && MessagesStored != null)
            {
                await MessagesStored(fresh, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The batch is stored: a lost ack or PUBACK only means a redelivery, which is deduplicated.
            _log.LogWarning(e, "Acknowledging a stored batch of {Count} failed; the devices will resend", batch.Count);
        }

        _metrics.OnStageTime(store: TimeSpan.Zero, ack: clock.Elapsed);
    }

    private async Task AcknowledgeToDevicesAsync(List<IngestRecord> records, CancellationToken cancellationToken)
    {
        var sends = new List<Task<bool>>();
        var counts = new List<int>();
        foreach (var device in records.GroupBy(r => (r.Fleet, r.DeviceId)))
        {
            foreach (var ack in AckRanges.Build(device.Select(r => r.Sequence)))
            {
                // An ack's envelope sequence is the last sequence it covers: acks are idempotent, so they need no counter of their own.
                uint last = ack.Last(ack.RangeCount - 1);
                var envelope = new Message(MessageKind.Ack, device.Key.DeviceId, last, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ack.Encode());
                sends.Add(PublishDownlink(Topics.Down(device.Key.Fleet, device.Key.DeviceId, MessageKind.Ack), Auth.Encode(envelope), cancellationToken));
                int covered = 0;
                for (int r = 0; r < ack.RangeCount; r++)
                {
                    covered += (int)(ack.Last(r) - ack.First(r) + 1);
                }

                counts.Add(covered);
            }
        }

        bool[] sent = await Task.WhenAll(sends).ConfigureAwait(false);
        int acked = 0;
        for (int i = 0; i < sent.Length; i++)
        {
            acked += sent[i] ? counts[i] : 0;
        }

        // An ack that did not reach the broker is not fatal: the device resends and gets acked then.
        _metrics.OnAcked(acked);
    }
}
