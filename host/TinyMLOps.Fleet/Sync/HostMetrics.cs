using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Sync;

/// <summary>
/// The host's counters, published on a System.Diagnostics.Metrics meter (OpenTelemetry names; `serve` exports them
/// through OTLP and its Prometheus scrape endpoint) and kept as totals for the console. <see cref="Tracing"/> is the
/// host's activity source.
/// </summary>
public sealed class HostMetrics : IDisposable
{
    public const string MeterName = Observability.FleetInstruments.MeterName;

    /// <summary>Spans of the host's work: ingest batches, acks, rollout and round reconciliation.</summary>
    public static readonly System.Diagnostics.ActivitySource Tracing = new(MeterName);

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _acked;
    private readonly Counter<long> _storeFailed;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _rejectsPruned;
    private readonly Counter<long> _retainedIgnored;
    private Func<long> _queued = () => 0;
    private Func<long> _brokerDropped = () => 0;
    private long _rejectsPrunedTotal;
    private long _shedTotal;
    private readonly Counter<long> _shed;
    private long _retainedIgnoredTotal;
    private readonly ConcurrentDictionary<int, long> _rejectedByReason = new();
    private long _receivedTotal;
    private long _storedTotal;
    private long _duplicateTotal;
    private long _ackedTotal;
    private long _storeFailures;
    private long _staleImages;
    private long _devicesOnline;
    private long _storeTicks;
    private long _ackTicks;

    public HostMetrics()
    {
        _meter = new Meter(MeterName);
        _received = _meter.CreateCounter<long>("tinymlops.messages.received", "{message}", "Uplink MQTT messages received");
        _stored = _meter.CreateCounter<long>("tinymlops.messages.stored", "{message}", "Uplink messages stored for the first time");
        _duplicates = _meter.CreateCounter<long>("tinymlops.messages.duplicates", "{message}", "Uplink messages already stored (re-acked)");
        _rejected = _meter.CreateCounter<long>("tinymlops.messages.rejected", "{message}", "Uplink messages refused, by reason");
        _acked = _meter.CreateCounter<long>("tinymlops.messages.acked", "{message}", "Uplink messages covered by an application ack");
        _storeFailed = _meter.CreateCounter<long>("tinymlops.store.failures", "{batch}", "Ingest batches the store refused (redelivered later)");
        _lag = _meter.CreateHistogram<double>("tinymlops.ingest.lag", "s", "Time from an uplink's arrival at the host to its commit in the store");
        _meter.CreateObservableGauge("tinymlops.devices.online", () => Interlocked.Read(ref _devicesOnline), "{device}", "Devices seen within the online window");
        _rejectsPruned = _meter.CreateCounter<long>("tinymlops.rejects.pruned", "{reject}", "Stored rejects deleted by the housekeeping (over the count cap or the retention)");
        _retainedIgnored = _meter.CreateCounter<long>("tinymlops.messages.retained_ignored", "{message}", "Retained uplinks a broker delivered again on subscription, ignored (uplinks are never retained)");
        _shed = _meter.CreateCounter<long>("tinymlops.ingest.shed", "{message}", "Uplinks acknowledged to the broker without being stored because the ingest queue was full (their devices resend them)");
        _meter.CreateObservableCounter("tinymlops.broker.dropped", () => _brokerDropped(), "{message}", "Messages the embedded broker accepted and then dropped from a full client queue");
        _meter.CreateObservableGauge("tinymlops.ingest.queued", () => _queued(), "{message}", "Uplinks received and waiting for the store (a growing queue means the host cannot keep up)");
    }

    public long Received => Interlocked.Read(ref _receivedTotal);

    public long Stored => Interlocked.Read(ref _storedTotal);

    public long Duplicates => Interlocked.Read(ref _duplicateTotal);

    public long Acked => Interlocked.Read(ref _ackedTotal);

    public long StoreFailures => Interlocked.Read(ref _storeFailures);

    public long Rejected => _rejectedByReason.Values.Sum();

    public long DevicesOnline => Interlocked.Read(ref _devicesOnline);

    public IReadOnlyDictionary<string, long> RejectedByReason =>
        _rejectedByReason.ToDictionary(kv => RejectReason.Name(kv.Key), kv => kv.Value);

    public void OnReceived(int count)
    {
        Interlocked.Add(ref _receivedTotal, count);
        _received.Add(count);
    }

    public void OnStored(int fresh, int duplicates)
    {
        Interlocked.Add(ref _storedTotal, fresh);
        Interlocked.Add(ref _duplicateTotal, duplicates);
        _stored.Add(fresh);
        _duplicates.Add(duplicates);
    }

    public void OnRejected(int reason)
    {
        _rejectedByReason.AddOrUpdate(reason, 1, (_, v) => v + 1);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", RejectReason.Name(reason)));
    }

    public void OnAcked(int count)
    {
        Interlocked.Add(ref _ackedTotal, count);
        _acked.Add(count);
    }

    /// <summary>Time spent in the store stage and the ack stage, summed over batches.</summary>
    public TimeSpan StoreTime => TimeSpan.FromTicks(Interlocked.Read(ref _storeTicks));

    public TimeSpan AckTime => TimeSpan.FromTicks(Interlocked.Read(ref _ackTicks));

    public void OnStageTime(TimeSpan store, TimeSpan ack)
    {
        Interlocked.Add(ref _storeTicks, store.Ticks);
        Interlocked.Add(ref _ackTicks, ack.Ticks);
    }

    public void OnStoreFailure()
    {
        Interlocked.Increment(ref _storeFailures);
        _storeFailed.Add(1);
    }

    /// <summary>Records how long each committed uplink waited since it arrived.</summary>
    public void OnCommitted(IEnumerable<DateTimeOffset> arrivals, DateTimeOffset committedAt)
    {
        foreach (DateTimeOffset arrival in arrivals)
        {
            _lag.Record(Math.Max(0, (committedAt - arrival).TotalSeconds));
        }
    }

    public long RejectsPruned => Interlocked.Read(ref _rejectsPrunedTotal);

    public long RetainedIgnored => Interlocked.Read(ref _retainedIgnoredTotal);

    public long BrokerDropped => _brokerDropped();

    public void OnRejectsPruned(long count)
    {
        Interlocked.Add(ref _rejectsPrunedTotal, count);
        _rejectsPruned.Add(count);
    }

    public long Shed => Interlocked.Read(ref _shedTotal);

    public void OnShed()
    {
        Interlocked.Increment(ref _shedTotal);
        _shed.Add(1);
    }

    public void OnRetainedIgnored()
    {
        Interlocked.Increment(ref _retainedIgnoredTotal);
        _retainedIgnored.Add(1);
    }

    /// <summary>Where the broker-drop counter reads its total (the embedded broker's).</summary>
    public void ObserveBrokerDrops(Func<long> dropped) => _brokerDropped = dropped;

    /// <summary>Where the queue gauge reads its depth (the ingest pipeline's channel).</summary>
    public void ObserveQueue(Func<long> depth) => _queued = depth;

    /// <summary>Hellos that showed a role running another model than the one installed there last (see <c>StaleImageCheck</c>).</summary>
    public long StaleImages => Interlocked.Read(ref _staleImages);

    public void OnStaleImage() => Interlocked.Increment(ref _staleImages);

    public void SetDevicesOnline(long count) => Interlocked.Exchange(ref _devicesOnline, count);

    public void Dispose() => _meter.Dispose();
}
