namespace TinyMLOps.Fleet.Store;

/// <summary>The metering ledger, customers and quota tokens (docs/metering.md, "Host ledger").</summary>
public partial interface IFleetStore
{
    /// <summary>Devices with usage-receipt messages the ledger has not classified yet.</summary>
    Task<IReadOnlyList<string>> DevicesWithUnprocessedReceiptsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The oldest <paramref name="limit"/> usage-receipt messages of a device that have no ledger row yet, ascending by
    /// sequence. A message gets its row in the same transaction that records its verdict, so this is the ledger's
    /// durable cursor: after a crash it returns exactly what was not processed.
    /// </summary>
    Task<IReadOnlyList<StoredMessage>> UnprocessedReceiptsAsync(string deviceId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Devices with receipts held behind a missing one (the ledger checks them for gaps).</summary>
    Task<IReadOnlyList<string>> MeterDevicesWithPendingAsync(CancellationToken cancellationToken = default);

    /// <summary>The device's chain state (initial when unseen), models, held receipts and open gap findings.</summary>
    Task<MeterSnapshot> MeterSnapshotAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Receipt rows of a device whose receipt sequence is one of <paramref name="receiptSeqs"/>.</summary>
    Task<IReadOnlyList<MeterReceiptRecord>> MeterReceiptsBySeqAsync(string deviceId, IReadOnlyCollection<long> receiptSeqs, CancellationToken cancellationToken = default);

    /// <summary>Billable or untrusted receipts of a device and model whose counter range meets [first, limit).</summary>
    Task<IReadOnlyList<MeterReceiptRecord>> MeterOverlapsAsync(string deviceId, string modelId, long first, long limit, CancellationToken cancellationToken = default);

    /// <summary>Applies one verification pass in one transaction; false (nothing written) when another pass committed first.</summary>
    Task<bool> CommitMeterAsync(MeterCommit commit, CancellationToken cancellationToken = default);

    /// <summary>Every receipt row of a device in message order.</summary>
    Task<IReadOnlyList<MeterReceiptRecord>> MeterReceiptsAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Findings, newest first; of one device when given.</summary>
    Task<IReadOnlyList<MeterFindingRecord>> MeterFindingsAsync(string? deviceId = null, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>The chain state of every device the ledger has seen.</summary>
    Task<IReadOnlyList<MeterDeviceState>> MeterDevicesAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MeterModelState>> MeterModelsAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Clears a device's flag with the operator's note. Its untrusted receipts become billable when
    /// <paramref name="billHeld"/>, else written off. Returns how many receipts changed, or -1 when the device is not flagged.
    /// </summary>
    Task<int> ClearMeterFlagAsync(string deviceId, string note, bool billHeld, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Receipt and inference sums per customer, device, model and status (accepted and untrusted only).</summary>
    Task<IReadOnlyList<MeterUsageRow>> MeterUsageAsync(MeterUsageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Bills a device to a customer; null restores the default (the device's fleet).</summary>
    Task SetCustomerAsync(string deviceId, string? customer, CancellationToken cancellationToken = default);

    /// <summary>The explicit device to customer mappings.</summary>
    Task<IReadOnlyDictionary<string, string>> CustomersAsync(CancellationToken cancellationToken = default);

    /// <summary>Reserves the device's next quota token id (1, 2, ...); strictly increasing and atomic across workers.</summary>
    Task<long> NextQuotaTokenIdAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Queues the command carrying a token and records the token, in one transaction; returns the command id.</summary>
    Task<long> RecordQuotaGrantAsync(QuotaTokenRecord token, string commandName, byte[] arguments, CancellationToken cancellationToken = default);

    /// <summary>Issued tokens with the device's answer to their command, newest first; of one device when given.</summary>
    Task<IReadOnlyList<QuotaTokenRecord>> QuotaTokensAsync(string? deviceId = null, CancellationToken cancellationToken = default);
}
