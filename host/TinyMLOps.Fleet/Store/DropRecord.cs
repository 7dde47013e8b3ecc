namespace TinyMLOps.Fleet.Store;

/// <summary>One entry of a device's drop report: <paramref name="Count"/> messages of a kind, sequences first to last, never sent.</summary>
/// <param name="Sequence">The sequence of the dropped message that carried the report.</param>
public sealed record DropRecord(string DeviceId, long Sequence, int Kind, long Count, long FirstSequence, long LastSequence, DateTimeOffset ReceivedAt);
