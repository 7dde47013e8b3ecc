using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Metering;

/// <summary>Counts of what the ledger verified in one or more passes.</summary>
public sealed class LedgerTotals
{
    private readonly Dictionary<ReceiptReason, int> _reasons = [];

    public int Passes { get; private set; }

    public int Conflicts { get; internal set; }

    /// <summary>Receipt messages classified for the first time.</summary>
    public int Classified { get; private set; }

    /// <summary>Receipts that became billable.</summary>
    public int Billable { get; private set; }

    public IReadOnlyDictionary<ReceiptReason, int> Reasons => _reasons;

    public int this[ReceiptReason reason] => _reasons.GetValueOrDefault(reason);

    internal void Add(LedgerPassResult pass)
    {
        Passes++;
        Classified += pass.Commit.Inserts.Count;
        Billable += pass.Billable;
        foreach (var (reason, n) in pass.Reasons)
        {
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + n;
        }
    }

    internal void Add(LedgerTotals other)
    {
        Passes += other.Passes;
        Conflicts += other.Conflicts;
        Classified += other.Classified;
        Billable += other.Billable;
        foreach (var (reason, n) in other._reasons)
        {
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + n;
        }
    }
}

/// <summary>Everything the ledger knows about one device: chain state, models, receipts and findings.</summary>
public sealed record LedgerAudit(
    MeterDeviceState State,
    IReadOnlyList<MeterModelState> Models,
    IReadOnlyList<MeterReceiptRecord> Receipts,
    IReadOnlyList<MeterFindingRecord> Findings);

/// <summary>
/// The host's usage ledger. It is derived from the stored usage-receipt messages: after each ingest batch
/// (<see cref="IngestPipeline.MessagesStored"/>) and on start (<see cref="CatchUpAsync"/>) it verifies, per device,
/// the receipt messages that have no ledger row yet, with <see cref="ReceiptVerifier"/>, and commits the verdicts,
/// the chain state and the findings in one transaction guarded by the device's ledger version. A message's row is
/// its cursor: a crash between the ingest commit and the handler loses nothing, and running a pass again changes
/// nothing. Several workers may verify the same device; the loser of a race re-reads and retries.
/// </summary>
public sealed class ReceiptLedger
{
    private const int MaxConflicts = 20;

    private readonly IFleetStore _store;
    private readonly ReceiptVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _holding = new(StringComparer.Ordinal);

    public ReceiptLedger(IFleetStore store, DeviceKeys keys, LedgerOptions? options = null, TimeProvider? time = null, ILogger? log = null)
        : this(store, (keys ?? throw new ArgumentNullException(nameof(keys))).For, options, time, log)
    {
    }

    /// <param name="keyFor">The key of a device (tests and tools that hold keys directly).</param>
    public ReceiptLedger(IFleetStore store, Func<string, byte[]> keyFor, LedgerOptions? options = null, TimeProvider? time = null, ILogger? log = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        Options = options ?? new LedgerOptions();
        _verifier = new ReceiptVerifier(CachedKeys(keyFor), Options);
        _time = time ?? TimeProvider.System;
        _log = log ?? NullLogger.Instance;
    }

    public LedgerOptions Options { get; }

    /// <summary>Verifies new receipts after every ingest batch.</summary>
    public void Attach(IngestPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        pipeline.MessagesStored += OnMessagesStoredAsync;
    }

    /// <summary>
    /// The ingest hook: devices that sent receipts are verified; devices holding receipts behind a gap are checked
    /// again whenever they send anything (a newer message is one condition of declaring the gap).
    /// </summary>
    public async Task OnMessagesStoredAsync(IReadOnlyList<IngestRecord> fresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        List<string> devices;
        lock (_holding)
        {
            devices = [.. fresh.Where(r => r.Kind == MessageKind.UsageReceipt || _holding.Contains(r.DeviceId)).Select(r => r.DeviceId).Distinct(StringComparer.Ordinal)];
        }

        foreach (string device in devices)
        {
            try
            {
                await ProcessDeviceAsync(device, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The messages are stored: the next batch or the next start verifies them.
                _log.LogError(e, "Verifying the usage receipts of {Device} failed; they stay unprocessed", device);
            }
        }
    }

    /// <summary>Verifies every stored receipt without a ledger row and re-checks held ones: run on start.</summary>
    public async Task<LedgerTotals> CatchUpAsync(CancellationToken cancellationToken = default)
    {
        var devices = (await _store.DevicesWithUnprocessedReceiptsAsync(cancellationToken).ConfigureAwait(false))
            .Union(await _store.MeterDevicesWithPendingAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal)
            .ToList();
        var totals = new LedgerTotals();
        foreach (string device in devices)
        {
            totals.Add(await ProcessDeviceAsync(device, cancellationToken).ConfigureAwait(false));
        }

        if (totals.Classified > 0)
        {
            _log.LogInformation("Ledger caught up: {Count} receipt messages of {Devices} devices, {Billable} billable", totals.Classified, devices.Count, totals.Billable);
        }

        return totals;
    }

    /// <summary>Verifies a device's unprocessed receipts, in passes of <see cref="LedgerOptions.BatchSize"/>, and declares due gaps.</summary>
    public async Task<LedgerTotals> ProcessDeviceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        var totals = new LedgerTotals();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var snapshot = await _store.MeterSnapshotAsync(deviceId, cancellationToken).ConfigureAwait(false);
                var incoming = await _store.UnprocessedReceiptsAsync(deviceId, Options.BatchSize, cancellationToken).ConfigureAwait(false);
                if (incoming.Count == 0 && snapshot.Pending.Count == 0)
                {
                    Holding(deviceId, false);
                    return totals;
                }

                var pass = _verifier.Begin(snapshot, incoming, _time.GetUtcNow());
                var known = await _store.MeterReceiptsBySeqAsync(deviceId, pass.SeqsToLookUp, cancellationToken).ConfigureAwait(false);
                var overlaps = new Dictionary<long, IReadOnlyList<MeterReceiptRecord>>();
                foreach (var (messageSeq, model, first, limit) in pass.RangesToLookUp)
                {
                    overlaps[messageSeq] = await _store.MeterOverlapsAsync(deviceId, model, first, limit, cancellationToken).ConfigureAwait(false);
                }

                var result = pass.Complete(known, overlaps);
                if (!result.HasChanges)
                {
                    Holding(deviceId, result.Pending > 0);
                    return totals;
                }

                if (!await _store.CommitMeterAsync(result.Commit, cancellationToken).ConfigureAwait(false))
                {
                    // Another worker (or a flag clearance) committed first: read its state and go again.
                    if (++totals.Conflicts > MaxConflicts)
                    {
                        throw new InvalidOperationException($"the ledger of {deviceId} kept changing under {MaxConflicts} passes");
                    }

                    continue;
                }

                totals.Add(result);
                Holding(deviceId, result.Pending > 0);
                if (!snapshot.Device.Flagged && result.Commit.Device.Flagged)
                {
                    _log.LogWarning("Device {Device} flagged by the usage ledger: {Reason}", deviceId, result.Commit.Device.FlagReason);
                }

                if (incoming.Count < Options.BatchSize)
                {
                    return totals;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The operator's decision on a flagged device: held (untrusted) receipts become billable, or are written off.</summary>
    public async Task<int> ClearFlagAsync(string deviceId, string note, bool billHeld, CancellationToken cancellationToken = default)
    {
        int changed = await _store.ClearMeterFlagAsync(deviceId, note, billHeld, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (changed < 0)
        {
            throw new InvalidOperationException($"device '{deviceId}' is not flagged");
        }

        _log.LogInformation("Ledger flag of {Device} cleared ({Note}); {Count} held receipts {Outcome}", deviceId, note, changed, billHeld ? "billed" : "written off");
        return changed;
    }

    public static async Task<LedgerAudit> AuditAsync(IFleetStore store, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var snapshot = await store.MeterSnapshotAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var models = await store.MeterModelsAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var receipts = await store.MeterReceiptsAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var findings = await store.MeterFindingsAsync(deviceId, int.MaxValue, cancellationToken).ConfigureAwait(false);
        return new LedgerAudit(snapshot.Device, models, receipts, findings);
    }

    private void Holding(string deviceId, bool holding)
    {
        lock (_holding)
        {
            if (holding)
            {
                _holding.Add(deviceId);
            }
            else
            {
                _holding.Remove(deviceId);
            }
        }
    }

    // Key derivation is an HMAC per call; a device's key is asked for once per pass, so a small cache suffices.
    private static Func<string, byte[]> CachedKeys(Func<string, byte[]> keyFor)
    {
        ArgumentNullException.ThrowIfNull(keyFor);
        var cache = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        return device => cache.Count < 100_000 ? cache.GetOrAdd(device, keyFor) : keyFor(device);
    }
}
