using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string SignalColumns =
        "device_id, receipt_seq, model_id, variant_id, window_start, window_end, count, observed, low_confidence, out_of_distribution, near_duplicate, baseline_per_hour, received_at";

    private const string SuspectColumns =
        "device_id, state, score, reasons, model_id, observed, rate_per_hour, baseline_per_hour, fleet_per_hour, low_share, ood_share, dup_share, quota_cut, evaluated_at, flagged_at, cleared_at, note";

    public Task RecordQuerySignalsAsync(IReadOnlyList<QuerySignalRecord> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(
            async (c, tx) =>
            {
                foreach (var s in signals)
                {
                    await ExecuteAsync(
                        c,
                        tx,
                        $"INSERT INTO meter_signals ({SignalColumns}) VALUES (@device, @seq, @model, @variant, @start, @end, @count, @observed, @low, @ood, @dup, @baseline, @received) "
                        + "ON CONFLICT (device_id, receipt_seq) DO NOTHING",
                        cancellationToken,
                        ("device", s.DeviceId),
                        ("seq", s.ReceiptSeq),
                        ("model", s.ModelId),
                        ("variant", s.VariantId),
                        ("start", s.WindowStart),
                        ("end", s.WindowEnd),
                        ("count", s.Count),
                        ("observed", s.Observed),
                        ("low", s.LowConfidence),
                        ("ood", s.OutOfDistribution),
                        ("dup", s.NearDuplicate),
                        ("baseline", s.BaselinePerHour),
                        ("received", ToDb(s.ReceivedAt))).ConfigureAwait(false);
                }

                return 0;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<QuerySignalRecord>> QuerySignalsAsync(string deviceId, long sinceWindowEnd, DateTimeOffset? receivedAfter = null, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {SignalColumns} FROM meter_signals WHERE device_id = @device AND window_end >= @since"
            + (receivedAfter == null ? string.Empty : " AND received_at > @after") + " ORDER BY receipt_seq",
            r => new QuerySignalRecord(
                r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6),
                r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), ReadTime(r, 12)),
            cancellationToken,
            ("device", deviceId),
            ("since", sinceWindowEnd),
            ("after", receivedAfter is { } after ? ToDb(after) : 0L));

    public Task<IReadOnlyList<(string DeviceId, long Count, long WindowStart, long WindowEnd)>> QueryRatesAsync(string modelId, long sinceWindowEnd, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT device_id, SUM(count), MIN(window_start), MAX(window_end) FROM meter_signals WHERE model_id = @model AND window_end >= @since GROUP BY device_id ORDER BY device_id",
            r => (r.GetString(0), Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), r.GetInt64(2), r.GetInt64(3)),
            cancellationToken,
            ("model", modelId),
            ("since", sinceWindowEnd));

    public async Task<long?> LatestSignalWindowEndAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync(
            "SELECT MAX(window_end) FROM meter_signals WHERE device_id = @device",
            r => r.IsDBNull(0) ? (long?)null : Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            cancellationToken,
            ("device", deviceId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task UpsertExtractionSuspectAsync(ExtractionSuspectRecord suspect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        return WriteAsync(
            async (c, tx) => await ExecuteAsync(
                c,
                tx,
                $"INSERT INTO extraction_suspects ({SuspectColumns}) VALUES (@device, @state, @score, @reasons, @model, @observed, @rate, @baseline, @fleet, "
                + $"@low, @ood, @dup, @cut, @evaluated, {NullOr(suspect.FlaggedAt, "flagged")}, {NullOr(suspect.ClearedAt, "cleared")}, @note) "
                + "ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, score = excluded.score, reasons = excluded.reasons, model_id = excluded.model_id, "
                + "observed = excluded.observed, rate_per_hour = excluded.rate_per_hour, baseline_per_hour = excluded.baseline_per_hour, "
                + "fleet_per_hour = excluded.fleet_per_hour, low_share = excluded.low_share, ood_share = excluded.ood_share, dup_share = excluded.dup_share, "
                + "quota_cut = excluded.quota_cut, evaluated_at = excluded.evaluated_at, flagged_at = excluded.flagged_at, cleared_at = excluded.cleared_at, note = excluded.note",
                cancellationToken,
                ("device", suspect.DeviceId),
                ("state", suspect.State),
                ("score", suspect.Score),
                ("reasons", suspect.Reasons),
                ("model", suspect.ModelId),
                ("observed", suspect.Observed),
                ("rate", suspect.RatePerHour),
                ("baseline", suspect.BaselinePerHour),
                ("fleet", suspect.FleetPerHour),
                ("low", suspect.LowShare),
                ("ood", suspect.OodShare),
                ("dup", suspect.DupShare),
                ("cut", suspect.QuotaCut ? 1 : 0),
                ("evaluated", ToDb(suspect.EvaluatedAt)),
                ("flagged", suspect.FlaggedAt is { } f ? ToDb(f) : 0L),
                ("cleared", suspect.ClearedAt is { } cl ? ToDb(cl) : 0L),
                ("note", suspect.Note)).ConfigureAwait(false),
            cancellationToken);
    }

    public async Task<ExtractionSuspectRecord?> GetExtractionSuspectAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {SuspectColumns} FROM extraction_suspects WHERE device_id = @device", ReadSuspect, cancellationToken, ("device", deviceId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<ExtractionSuspectRecord>> ExtractionSuspectsAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {SuspectColumns} FROM extraction_suspects ORDER BY CASE WHEN state = 'flagged' THEN 0 ELSE 1 END, score DESC, device_id",
            ReadSuspect,
            cancellationToken);

    public Task<bool> ClearExtractionSuspectAsync(string deviceId, string note, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (c, tx) => await ExecuteAsync(
                c,
                tx,
                "UPDATE extraction_suspects SET state = @cleared, quota_cut = 0, cleared_at = @at, note = @note WHERE device_id = @device AND state = @flagged",
                cancellationToken,
                ("cleared", SuspectStates.Cleared),
                ("at", ToDb(at)),
                ("note", note ?? string.Empty),
                ("device", deviceId),
                ("flagged", SuspectStates.Flagged)).ConfigureAwait(false) == 1,
            cancellationToken);

    private ExtractionSuspectRecord ReadSuspect(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt32(2),
        r.GetString(3),
        r.GetString(4),
        r.GetInt64(5),
        r.GetDouble(6),
        r.GetDouble(7),
        r.GetDouble(8),
        r.GetDouble(9),
        r.GetDouble(10),
        r.GetDouble(11),
        r.GetInt32(12) != 0,
        ReadTime(r, 13),
        ReadOptionalTime(r, 14),
        ReadOptionalTime(r, 15),
        r.GetString(16));
}
