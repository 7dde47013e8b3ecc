using System.Data.Common;
using System.Text;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string TelemetryColumns =
        "t.device_id, d.fleet, d.board, t.variant_id, t.boot_count, t.heartbeat_seq, t.inferences, t.latency_sum_us, t.latency_max_us, "
        + "t.latency_histogram, t.arena_bytes, t.working_bytes, t.min_free_heap_bytes, t.energy_uj, t.updated_at";

    public Task<IReadOnlyList<VariantTelemetryRecord>> VariantTelemetryAsync(VariantTelemetryQuery query, CancellationToken cancellationToken = default)
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

        Filter("t.device_id", "device", query.DeviceId);
        Filter("d.fleet", "fleet", query.Fleet);
        Filter("d.board", "board", query.Board);
        Filter("t.variant_id", "variant", query.VariantId);
        return QueryAsync(
            $"SELECT {TelemetryColumns} FROM variant_telemetry t JOIN devices d ON d.device_id = t.device_id WHERE {where} ORDER BY d.board, t.variant_id, t.device_id",
            ReadTelemetry,
            cancellationToken,
            ("device", query.DeviceId),
            ("fleet", query.Fleet),
            ("board", query.Board),
            ("variant", query.VariantId));
    }

    /// <summary>
    /// The telemetry section of a device's newest heartbeat in the batch that has one, upserted per variant unless the
    /// store already holds a newer heartbeat's figures (a resend or a late delivery of an older one changes nothing).
    /// </summary>
    private static void AddTelemetry(List<Statement> statements, IngestRecord[] rows, string deviceId, Func<DateTimeOffset, object> toDb)
    {
        IngestRecord? newest = rows.LastOrDefault(r => r.Heartbeat?.Telemetry is { Length: > 0 });
        if (newest?.Heartbeat?.Telemetry is not { } telemetry)
        {
            return;
        }

        foreach (var t in telemetry)
        {
            statements.Add(new(
                """
                INSERT INTO variant_telemetry (device_id, variant_id, boot_count, heartbeat_seq, inferences, latency_sum_us, latency_max_us,
                    latency_histogram, arena_bytes, working_bytes, min_free_heap_bytes, energy_uj, updated_at)
                VALUES (@device, @variant, @boots, @seq, @inferences, @sum, @max, @histogram, @arena, @working, @heap, @energy, @at)
                ON CONFLICT (device_id, variant_id) DO UPDATE SET
                    boot_count = excluded.boot_count, heartbeat_seq = excluded.heartbeat_seq, inferences = excluded.inferences,
                    latency_sum_us = excluded.latency_sum_us, latency_max_us = excluded.latency_max_us, latency_histogram = excluded.latency_histogram,
                    arena_bytes = excluded.arena_bytes, working_bytes = excluded.working_bytes, min_free_heap_bytes = excluded.min_free_heap_bytes,
                    energy_uj = excluded.energy_uj, updated_at = excluded.updated_at
                WHERE variant_telemetry.heartbeat_seq < excluded.heartbeat_seq
                """,
                [
                    ("device", deviceId),
                    ("variant", t.VariantId),
                    ("boots", (long)newest.Heartbeat.BootCount),
                    ("seq", newest.Sequence),
                    ("inferences", (long)t.Inferences),
                    ("sum", t.LatencySumMicros),
                    ("max", (long)t.LatencyMaxMicros),
                    ("histogram", VariantTelemetryRecord.PackHistogram(t.LatencyHistogram)),
                    ("arena", (long)t.ArenaBytes),
                    ("working", (long)t.WorkingBytes),
                    ("heap", (long)t.MinFreeHeapBytes),
                    ("energy", t.EnergyMicrojoules),
                    ("at", toDb(newest.ReceivedAt)),
                ]));
        }
    }

    private VariantTelemetryRecord ReadTelemetry(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetInt64(4),
        r.GetInt64(5),
        r.GetInt64(6),
        r.GetInt64(7),
        r.GetInt64(8),
        VariantTelemetryRecord.UnpackHistogram((byte[])r.GetValue(9)),
        r.GetInt64(10),
        r.GetInt64(11),
        r.GetInt64(12),
        r.GetInt64(13),
        ReadTime(r, 14));
}
