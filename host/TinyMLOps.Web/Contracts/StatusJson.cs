using System.Text.Json.Serialization;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Web.Contracts;

/// <summary>
/// `status --output json` and GET /api/v1/status: the fleet totals and the recent rejects (device-supplied topic and
/// detail escaped by the serializer); the API adds the running host's ingest counters, which the console never has.
/// </summary>
public sealed record StatusJson(string Store, long Devices, long Online, long Offline, long Messages, long Rejects, long PendingCommands, IReadOnlyList<StatusJson.Reject> RecentRejects)
{
    /// <summary>The in-process host's counters; absent from the console's document.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostCounters? Host { get; init; }

    public static StatusJson Of(string store, FleetCounts c, IReadOnlyList<RejectRecord> rejects) => new(
        store, c.Devices, c.Online, c.Devices - c.Online, c.Messages, c.Rejects, c.PendingCommands,
        [.. rejects.Take(10).Select(r => new Reject(r.At, RejectReason.Name(r.Reason), r.DeviceId, r.Topic, r.Size, r.Detail))]);

    public sealed record Reject(DateTimeOffset At, string Reason, string? DeviceId, string Topic, int Bytes, string Detail);

    /// <summary>What the host's ingest pipeline counted since it started (messages, not devices), and its time in the store and acks.</summary>
    public sealed record HostCounters(long Received, long Stored, long Duplicates, long Acked, long Rejected, long StoreFailures, long StaleImages, long DevicesOnline, double StoreSeconds, double AckSeconds)
    {
        public static HostCounters Of(HostMetrics m) => new(
            m.Received, m.Stored, m.Duplicates, m.Acked, m.Rejected, m.StoreFailures, m.StaleImages, m.DevicesOnline, m.StoreTime.TotalSeconds, m.AckTime.TotalSeconds);
    }
}
