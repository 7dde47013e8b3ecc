using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Metering.Extraction;

/// <summary>
/// Watches usage receipts for model extraction. After each ingest batch it stores the signals of the new receipts
/// whose tag verifies under the device key (a forged receipt cannot lower a device's signals, nor raise another's),
/// evaluates each device that sent some with <see cref="ExtractionDetector"/>, and records the verdict. A flag stays
/// until an operator clears it; while it stands with <see cref="ExtractionPolicy.CutQuota"/>, <see cref="QuotaIssuer"/>
/// grants the device nothing. Receipts are billed as usual either way: the ledger decides billing, this decides trust.
/// </summary>
public sealed class ExtractionMonitor
{
    /// <summary>Other devices' rates below this many inferences say nothing about the fleet's normal rate.</summary>
    private const long MinFleetCount = 10;

    private readonly IFleetStore _store;
    private readonly Func<string, byte[]> _keyFor;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IFleetEvents _events;

    public ExtractionMonitor(IFleetStore store, Func<string, byte[]> keyFor, ExtractionPolicy? policy = null, TimeProvider? time = null, ILogger? log = null, IFleetEvents? events = null)
    {
        _events = events ?? new StoreFleetEvents(store ?? throw new ArgumentNullException(nameof(store)));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _keyFor = keyFor ?? throw new ArgumentNullException(nameof(keyFor));
        Policy = policy ?? new ExtractionPolicy();
        _time = time ?? TimeProvider.System;
        _log = log ?? NullLogger.Instance;
    }

    public ExtractionPolicy Policy { get; }

    /// <summary>Receipts whose tag did not verify (their signals were not stored).</summary>
    public int Unverified { get; private set; }

    public void Attach(IngestPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        pipeline.MessagesStored += OnMessagesStoredAsync;
    }

    public async Task OnMessagesStoredAsync(IReadOnlyList<IngestRecord> fresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        var signals = new List<QuerySignalRecord>();
        foreach (var record in fresh.Where(r => r.Kind == MessageKind.UsageReceipt))
        {
            if (Signals(record) is { } s)
            {
                signals.Add(s);
            }
        }

        if (signals.Count == 0)
        {
            return;
        }

        try
        {
            await _store.RecordQuerySignalsAsync(signals, cancellationToken).ConfigureAwait(false);
            foreach (string device in signals.Select(s => s.DeviceId).Distinct(StringComparer.Ordinal))
            {
                await EvaluateAsync(device, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The receipts are stored and billed regardless; the next receipts evaluate the device again.
            _log.LogError(e, "Extraction evaluation failed for a batch of {Count} receipts", signals.Count);
        }
    }

    /// <summary>Evaluates a device over the lookback window before its newest receipt and records the verdict.</summary>
    public async Task<ExtractionVerdict?> EvaluateAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long? latest = await _store.LatestSignalWindowEndAsync(deviceId, cancellationToken).ConfigureAwait(false);
            if (latest is not { } end)
            {
                return null;
            }

            var previous = await _store.GetExtractionSuspectAsync(deviceId, cancellationToken).ConfigureAwait(false);
            long since = end - (long)Policy.Lookback.TotalSeconds;

            // After a clearance only what arrived since counts, so the same evidence does not flag the device again.
            DateTimeOffset? after = previous?.State == SuspectStates.Cleared ? previous.ClearedAt : null;
            var mine = await _store.QuerySignalsAsync(deviceId, since, after, cancellationToken).ConfigureAwait(false);
            if (mine.Count == 0)
            {
                return null;
            }

            string model = mine[^1].ModelId;
            var fleet = (await _store.QueryRatesAsync(model, since, cancellationToken).ConfigureAwait(false))
                .Where(r => r.DeviceId != deviceId && r.Count >= MinFleetCount)
                .Select(r => ExtractionDetector.RatePerHour(r.Count, r.WindowStart, r.WindowEnd, Policy.MinSpan))
                .ToList();
            var verdict = ExtractionDetector.Evaluate(deviceId, mine, fleet, Policy);
            await RecordAsync(verdict, previous, cancellationToken).ConfigureAwait(false);
            return verdict;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>An operator's decision: the device is trusted again and can get quota.</summary>
    public async Task ClearAsync(string deviceId, string note, CancellationToken cancellationToken = default)
    {
        if (!await _store.ClearExtractionSuspectAsync(deviceId, note, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"device '{deviceId}' is not flagged as an extraction suspect");
        }

        _log.LogInformation("Extraction flag of {Device} cleared ({Note})", deviceId, note);
    }

    private async Task RecordAsync(ExtractionVerdict v, ExtractionSuspectRecord? previous, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        bool wasFlagged = previous?.Flagged == true;
        string state = wasFlagged || v.Flag ? SuspectStates.Flagged : previous?.State == SuspectStates.Cleared ? SuspectStates.Cleared : SuspectStates.Normal;
        var flaggedAt = wasFlagged ? previous!.FlaggedAt : v.Flag ? now : previous?.FlaggedAt;
        bool cut = wasFlagged ? previous!.QuotaCut : v.Flag && Policy.CutQuota;
        var record = new ExtractionSuspectRecord(
            v.DeviceId,
            state,
            v.Score,
            v.Reasons,
            v.ModelId,
            v.Observed,
            v.RatePerHour,
            v.BaselinePerHour,
            v.FleetPerHour,
            v.LowShare,
            v.OodShare,
            v.DupShare,
            cut,
            now,
            flaggedAt,
            previous?.ClearedAt,
            previous?.Note ?? string.Empty);
        await _store.UpsertExtractionSuspectAsync(record, cancellationToken).ConfigureAwait(false);
        if (state == SuspectStates.Flagged)
        {
            // On every evaluation while flagged, keyed by the flag time: recorded once, and still recorded when a
            // crash came between the upsert above and this line.
            await _events.PublishQuietlyAsync(ExtractionSuspectEvent.Of(record, v.Tripped), _log, cancellationToken).ConfigureAwait(false);
        }

        if (v.Flag && !wasFlagged)
        {
            _log.LogWarning("Device {Device} flagged as a model-extraction suspect: {Reasons}{Cut}", v.DeviceId, v.Reasons, cut ? "; its quota is cut" : string.Empty);
        }
    }

    private QuerySignalRecord? Signals(IngestRecord record)
    {
        UsageReceipt receipt;
        try
        {
            receipt = UsageReceipt.Decode(record.Payload);
        }
        catch (ProtocolException)
        {
            return null; // the ledger records why
        }

        if (receipt.Signals == null || receipt.DeviceId != record.DeviceId)
        {
            return null;
        }

        byte[] key;
        try
        {
            key = _keyFor(record.DeviceId);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }

        if (!receipt.VerifyTag(key))
        {
            Unverified++;
            return null;
        }

        var s = receipt.Signals;
        return new QuerySignalRecord(
            record.DeviceId,
            receipt.ReceiptSeq,
            receipt.ModelId,
            receipt.VariantId,
            receipt.WindowStart,
            receipt.WindowEnd,
            receipt.Count,
            s.Observed,
            s.LowConfidence,
            s.OutOfDistribution,
            s.NearDuplicate,
            s.BaselinePerHour,
            record.ReceivedAt);
    }
}
