namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>Stores the signals of verified receipts; a receipt seq already stored is kept (a resent receipt has the same bytes).</summary>
    Task RecordQuerySignalsAsync(IReadOnlyList<QuerySignalRecord> signals, CancellationToken cancellationToken = default);

    /// <summary>A device's signals whose window ended at or after <paramref name="sinceWindowEnd"/> (device clock) and that arrived after <paramref name="receivedAfter"/>, by receipt seq.</summary>
    Task<IReadOnlyList<QuerySignalRecord>> QuerySignalsAsync(string deviceId, long sinceWindowEnd, DateTimeOffset? receivedAfter = null, CancellationToken cancellationToken = default);

    /// <summary>Per device, the inferences of a model and the device-clock span they ran in, over windows that ended at or after <paramref name="sinceWindowEnd"/>.</summary>
    Task<IReadOnlyList<(string DeviceId, long Count, long WindowStart, long WindowEnd)>> QueryRatesAsync(string modelId, long sinceWindowEnd, CancellationToken cancellationToken = default);

    /// <summary>The newest window end of a device's signals, or null without any.</summary>
    Task<long?> LatestSignalWindowEndAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Writes the latest evaluation of a device (insert or replace).</summary>
    Task UpsertExtractionSuspectAsync(ExtractionSuspectRecord suspect, CancellationToken cancellationToken = default);

    Task<ExtractionSuspectRecord?> GetExtractionSuspectAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Every evaluated device: flagged first, then by score and id.</summary>
    Task<IReadOnlyList<ExtractionSuspectRecord>> ExtractionSuspectsAsync(CancellationToken cancellationToken = default);

    /// <summary>An operator's clearance of a flagged device: state cleared, quota restored; false when it was not flagged.</summary>
    Task<bool> ClearExtractionSuspectAsync(string deviceId, string note, DateTimeOffset at, CancellationToken cancellationToken = default);
}
