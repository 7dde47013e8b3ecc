using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Drift;

/// <summary>
/// Turns stored drift messages (kind 10) into scored drift windows: after each ingest batch
/// (<see cref="IngestPipeline.MessagesStored"/>) and on start (<see cref="CatchUpAsync"/>, for what a crash between
/// the ingest commit and this handler left). Each window is scored against its variant's reference profile and
/// stored with the cohort the device was in when it arrived; storing is idempotent, so a pass may run twice. A device
/// whose new windows open a drift alert gets a drift.alert event (<see cref="IFleetEvents"/>, by default the store's
/// webhook outbox), once per alert: the event is keyed by the alert's first window.
/// </summary>
public sealed class DriftIngest
{
    /// <summary>How far back a device's windows are read to find the start of its open alert.</summary>
    private static readonly TimeSpan AlertLookback = TimeSpan.FromDays(7);

    private readonly IFleetStore _store;
    private readonly DriftProfiles _profiles;
    private readonly DriftScorer _scorer;
    private readonly ILogger _log;
    private readonly IFleetEvents _events;

    public DriftIngest(IFleetStore store, DriftProfiles profiles, DriftScorer? scorer = null, ILogger? log = null, IFleetEvents? events = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _profiles = profiles ?? throw new ArgumentNullException(nameof(profiles));
        _scorer = scorer ?? new DriftScorer();
        _log = log ?? NullLogger.Instance;
        _events = events ?? new StoreFleetEvents(store);
    }

    public DriftScorer Scorer => _scorer;

    public void Attach(IngestPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        pipeline.MessagesStored += OnMessagesStoredAsync;
    }

    public async Task OnMessagesStoredAsync(IReadOnlyList<IngestRecord> fresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        var drift = fresh.Where(r => r.Kind == MessageKind.Drift).Select(r => new StoredMessage(r.DeviceId, r.Sequence, r.Kind, r.DeviceTimestamp, r.ReceivedAt, r.Payload)).ToList();
        if (drift.Count == 0)
        {
            return;
        }

        try
        {
            await ScoreAndStoreAsync(drift, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The messages are stored: the next start's catch-up scores them.
            _log.LogError(e, "Scoring {Count} drift windows failed; they stay unscored until catch-up", drift.Count);
        }
    }

    /// <summary>Scores every stored drift message that has no window yet; returns how many were added.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken = default)
    {
        int total = 0;
        while (true)
        {
            var pending = await _store.UnscoredDriftMessagesAsync(500, cancellationToken).ConfigureAwait(false);
            if (pending.Count == 0)
            {
                return total;
            }

            int added = await ScoreAndStoreAsync(pending, cancellationToken).ConfigureAwait(false);
            total += added;
            if (added == 0)
            {
                return total; // nothing new could be stored; do not spin
            }
        }
    }

    private async Task<int> ScoreAndStoreAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
    {
        var devices = new Dictionary<string, DeviceRecord?>(StringComparer.Ordinal);
        var windows = new List<DriftWindowRecord>(messages.Count);
        foreach (StoredMessage m in messages)
        {
            if (!devices.TryGetValue(m.DeviceId, out DeviceRecord? device))
            {
                device = await _store.GetDeviceAsync(m.DeviceId, cancellationToken).ConfigureAwait(false);
                devices[m.DeviceId] = device;
            }

            windows.Add(Score(m, device));
        }

        int added = await _store.AddDriftWindowsAsync(windows, cancellationToken).ConfigureAwait(false);
        foreach (string device in windows.Where(w => w.Drifted).Select(w => w.DeviceId).Distinct(StringComparer.Ordinal))
        {
            await PublishAlertAsync(device, windows.Where(w => w.DeviceId == device).Max(w => w.ReceivedAt), cancellationToken).ConfigureAwait(false);
        }

        return added;
    }

    /// <summary>Looks at the device's last week of windows and publishes its open alert, if any (a no-op when that alert was published).</summary>
    private async Task PublishAlertAsync(string deviceId, DateTimeOffset newest, CancellationToken cancellationToken)
    {
        var windows = await _store.DriftWindowsAsync(new DriftWindowQuery { DeviceId = deviceId, Since = newest - AlertLookback }, cancellationToken).ConfigureAwait(false);
        var drift = new DriftAnalyzer(_profiles, _scorer).Devices(windows).FirstOrDefault();
        if (drift?.Alert is { } alert)
        {
            await _events.PublishQuietlyAsync(DriftAlertEvent.Of(alert, drift.Cohort, newest), _log, cancellationToken).ConfigureAwait(false);
        }
    }

    private DriftWindowRecord Score(StoredMessage m, DeviceRecord? device)
    {
        // The ingest already validated the payload (UplinkDecoder); a window that still fails is stored unscored.
        DriftPayload? window = null;
        try
        {
            window = DriftPayload.Decode(m.Payload);
        }
        catch (ProtocolException e)
        {
            _log.LogWarning("Drift window {Device}/{Seq} does not decode: {Message}", m.DeviceId, m.Sequence, e.Message);
        }

        var profile = window == null ? null : _profiles.Find(window.VariantId);
        WindowScore score = WindowScore.NotScored(window?.SampleCount ?? 0);
        if (window != null && profile != null)
        {
            try
            {
                score = _scorer.Score(profile, window);
            }
            catch (ArgumentException e)
            {
                _log.LogWarning("Drift window {Device}/{Seq} does not fit the profile of {Variant}: {Message}", m.DeviceId, m.Sequence, window.VariantId, e.Message);
            }
        }

        return new DriftWindowRecord(
            m.DeviceId,
            m.Sequence,
            device?.Fleet ?? string.Empty,
            device?.Board ?? string.Empty,
            device?.FirmwareVersion ?? string.Empty,
            window?.VariantId ?? string.Empty,
            window?.StartUptimeSeconds ?? 0,
            window?.WindowSeconds ?? 0,
            window?.SampleCount ?? 0,
            window?.Epsilon ?? 0,
            window?.Flags ?? 0,
            score.Scored,
            score.Scored ? score.InputExcess : 0,
            score.Scored ? score.WorstGroup : 0,
            score.Scored ? score.Classes.Excess : 0,
            score.Scored ? score.Confidence.Excess : 0,
            score.Scored ? score.MeanConfidence : 0,
            score.Drifted,
            m.ReceivedAt,
            m.Payload);
    }
}
