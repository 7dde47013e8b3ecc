using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Sync;

/// <summary>
/// The host's counters, published on a System.Diagnostics.Metrics meter (OpenTelemetry names) and kept
/// as totals for the console and the Prometheus text endpoint.
/// </summary>
public sealed class HostMetrics : IDisposable
{
    public const string MeterName = "TinyMLOps.Host";

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _acked;
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
        _meter.CreateObservableGauge("tinymlops.devices.online", () => Interlocked.Read(ref _devicesOnline), "{device}", "Devices seen within the online window");
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

    public void OnStoreFailure() => Interlocked.Increment(ref _storeFailures);

    /// <summary>Hellos that showed a role running another model than the one installed there last (see <c>StaleImageCheck</c>).</summary>
    public long StaleImages => Interlocked.Read(ref _staleImages);

    public void OnStaleImage() => Interlocked.Increment(ref _staleImages);

    public void SetDevicesOnline(long count) => Interlocked.Exchange(ref _devicesOnline, count);

    /// <summary>The totals in the Prometheus text exposition format (version 0.0.4).</summary>
    public string ToPrometheusText()
    {
        var sb = new StringBuilder();
        Counter(sb, "tinymlops_messages_received_total", "Uplink MQTT messages received", Received);
        Counter(sb, "tinymlops_messages_stored_total", "Uplink messages stored for the first time", Stored);
        Counter(sb, "tinymlops_messages_duplicates_total", "Uplink messages already stored (re-acked)", Duplicates);
        Counter(sb, "tinymlops_messages_acked_total", "Uplink messages covered by an application ack", Acked);
        Counter(sb, "tinymlops_store_failures_total", "Ingest batches the store refused (redelivered later)", StoreFailures);
        sb.Append("# HELP tinymlops_messages_rejected_total Uplink messages refused, by reason\n");
        sb.Append("# TYPE tinymlops_messages_rejected_total counter\n");
        foreach (var (reason, value) in RejectedByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"tinymlops_messages_rejected_total{{reason=\"{reason}\"}} {value}\n");
        }

        sb.Append("# HELP tinymlops_devices_online Devices seen within the online window\n");
        sb.Append("# TYPE tinymlops_devices_online gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"tinymlops_devices_online {DevicesOnline}\n");
        return sb.ToString();
    }

    public void Dispose() => _meter.Dispose();

    private static void Counter(StringBuilder sb, string name, string help, long value)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
    }
}
