using System.Data.Common;
using System.Text;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string DriftColumns =
        "device_id, msg_seq, fleet, board, firmware_version, variant_id, window_start, window_seconds, sample_count, epsilon, flags, "
        + "scored, input_psi, feature, class_psi, confidence_psi, mean_confidence, drifted, received_at, payload";

    public Task<int> AddDriftWindowsAsync(IReadOnlyList<DriftWindowRecord> windows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return Task.FromResult(0);
        }

        return WriteAsync(
            async (c, tx) =>
            {
                int added = 0;
                foreach (DriftWindowRecord w in windows)
                {
                    added += await ExecuteAsync(
                        c,
                        tx,
                        $"INSERT INTO drift_windows ({DriftColumns}) VALUES (@device, @seq, @fleet, @board, @firmware, @variant, @start, @seconds, @count, @epsilon, @flags, " +
                        "@scored, @inputPsi, @feature, @classPsi, @confidencePsi, @meanConfidence, @drifted, @at, @payload) ON CONFLICT (device_id, msg_seq) DO NOTHING",
                        cancellationToken,
                        ("device", w.DeviceId),
                        ("seq", w.Sequence),
                        ("fleet", w.Fleet),
                        ("board", w.Board),
                        ("firmware", w.FirmwareVersion),
                        ("variant", w.VariantId),
                        ("start", w.WindowStart),
                        ("seconds", w.WindowSeconds),
                        ("count", w.SampleCount),
                        ("epsilon", w.Epsilon),
                        ("flags", w.Flags),
                        ("scored", w.Scored ? 1 : 0),
                        ("inputPsi", w.InputPsi),
                        ("feature", w.Feature),
                        ("classPsi", w.ClassPsi),
                        ("confidencePsi", w.ConfidencePsi),
                        ("meanConfidence", w.MeanConfidence),
                        ("drifted", w.Drifted ? 1 : 0),
                        ("at", ToDb(w.ReceivedAt)),
                        ("payload", w.Payload)).ConfigureAwait(false);
                }

                return added;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<DriftWindowRecord>> DriftWindowsAsync(DriftWindowQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new StringBuilder("1 = 1");
        void Filter(string column, string name, object? value)
        {
            if (value is not null)
            {
                where.Append(" AND ").Append(column).Append(" = @").Append(name);
            }
        }

        Filter("device_id", "device", query.DeviceId);
        Filter("fleet", "fleet", query.Fleet);
        Filter("board", "board", query.Board);
        Filter("variant_id", "variant", query.VariantId);
        Filter("firmware_version", "firmware", query.FirmwareVersion);
        if (query.Since is not null)
        {
            where.Append(" AND received_at >= @since");
        }

        return QueryAsync(
            $"SELECT {DriftColumns} FROM drift_windows WHERE {where} ORDER BY device_id, msg_seq",
            ReadDriftWindow,
            cancellationToken,
            ("device", query.DeviceId),
            ("fleet", query.Fleet),
            ("board", query.Board),
            ("variant", query.VariantId),
            ("firmware", query.FirmwareVersion),
            ("since", query.Since is { } since ? ToDb(since) : null));
    }

    public Task<IReadOnlyList<StoredMessage>> UnscoredDriftMessagesAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return QueryAsync(
            "SELECT m.device_id, m.seq, m.kind, m.device_timestamp, m.received_at, m.payload FROM messages m WHERE m.kind = 10 " +
            "AND NOT EXISTS (SELECT 1 FROM drift_windows d WHERE d.device_id = m.device_id AND d.msg_seq = m.seq) ORDER BY m.device_id, m.seq LIMIT @limit",
            r => new StoredMessage(r.GetString(0), r.GetInt64(1), r.GetInt32(2), (uint)r.GetInt64(3), ReadTime(r, 4), (byte[])r.GetValue(5)),
            cancellationToken,
            ("limit", limit));
    }

    private DriftWindowRecord ReadDriftWindow(DbDataReader r) => new(
        r.GetString(0),
        r.GetInt64(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.GetInt64(6),
        r.GetInt64(7),
        r.GetInt64(8),
        r.GetDouble(9),
        r.GetInt32(10),
        r.GetInt32(11) != 0,
        r.GetDouble(12),
        r.GetInt32(13),
        r.GetDouble(14),
        r.GetDouble(15),
        r.GetDouble(16),
        r.GetInt32(17) != 0,
        ReadTime(r, 18),
        (byte[])r.GetValue(19));
}
