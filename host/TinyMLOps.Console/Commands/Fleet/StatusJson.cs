using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`status --output json`: the fleet totals and the recent rejects (device-supplied topic and detail escaped by the serializer).</summary>
internal sealed record StatusJson(string Store, long Devices, long Online, long Offline, long Messages, long Rejects, long PendingCommands, IReadOnlyList<StatusJson.Reject> RecentRejects)
{
    public static StatusJson Of(string store, FleetCounts c, IReadOnlyList<RejectRecord> rejects) => new(
        store, c.Devices, c.Online, c.Devices - c.Online, c.Messages, c.Rejects, c.PendingCommands,
        [.. rejects.Take(10).Select(r => new Reject(r.At, RejectReason.Name(r.Reason), r.DeviceId, r.Topic, r.Size, r.Detail))]);

    internal sealed record Reject(DateTimeOffset At, string Reason, string? DeviceId, string Topic, int Bytes, string Detail);
}
