namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>Stores scored drift windows; a window already stored (same device and sequence) is kept as it is. Returns how many were new.</summary>
    Task<int> AddDriftWindowsAsync(IReadOnlyList<DriftWindowRecord> windows, CancellationToken cancellationToken = default);

    /// <summary>The drift windows that match, by device then sequence.</summary>
    Task<IReadOnlyList<DriftWindowRecord>> DriftWindowsAsync(DriftWindowQuery query, CancellationToken cancellationToken = default);

    /// <summary>Stored drift messages (kind 10) that have no drift window yet: what a crash between ingest and scoring left behind.</summary>
    Task<IReadOnlyList<StoredMessage>> UnscoredDriftMessagesAsync(int limit, CancellationToken cancellationToken = default);
}
