using System.Data.Common;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string MeterDeviceColumns = "device_id, version, next_seq, head_hash, flagged, flag_reason, flagged_at, cleared_at, clear_note";
    private const string MeterModelColumns = "device_id, model_id, claimed_limit, last_first, last_window_start, last_boot";
    private const string MeterFindingColumns = "finding_id, device_id, reason, serious, receipt_seq, last_receipt_seq, msg_seq, detail, at, resolved_at";
    private const string QuotaColumns =
        "q.device_id, q.token_id, q.model_id, q.allowance, q.issued_at, q.expires_at, q.policy, q.grace_allowance, q.command_id, c.sent_at, c.status, c.detail, c.completed_at";

    private const string MeterReceiptColumns =
        "device_id, msg_seq, receipt_seq, model_id, variant_id, range_first, range_count, grace_count, window_start, window_end, boot_count, "
        + "quota_token_id, flags, hash, prev_hash, status, reason, detail, in_chain, received_at, billed_at, processed_at";

    // The literal kind lets both engines use the partial index messages_usage_receipts.
    private static readonly string UnprocessedReceiptsFilter =
        $"m.kind = {MessageKind.UsageReceipt} AND NOT EXISTS (SELECT 1 FROM meter_receipts r WHERE r.device_id = m.device_id AND r.msg_seq = m.seq)";

    public Task<IReadOnlyList<string>> DevicesWithUnprocessedReceiptsAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT DISTINCT m.device_id FROM messages m WHERE {UnprocessedReceiptsFilter} ORDER BY m.device_id", r => r.GetString(0), cancellationToken);

    public Task<IReadOnlyList<StoredMessage>> UnprocessedReceiptsAsync(string deviceId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return QueryAsync(
            $"SELECT m.device_id, m.seq, m.kind, m.device_timestamp, m.received_at, m.payload FROM messages m WHERE m.device_id = @device AND {UnprocessedReceiptsFilter} ORDER BY m.seq LIMIT @limit",
            r => new StoredMessage(r.GetString(0), r.GetInt64(1), r.GetInt32(2), (uint)r.GetInt64(3), ReadTime(r, 4), (byte[])r.GetValue(5)),
            cancellationToken,
            ("device", deviceId),
            ("limit", limit));
    }

    public Task<IReadOnlyList<string>> MeterDevicesWithPendingAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT DISTINCT device_id FROM meter_receipts WHERE status = 'pending' ORDER BY device_id", r => r.GetString(0), cancellationToken);

    public Task<MeterSnapshot> MeterSnapshotAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        return WithReaderAsync(
            async c =>
            {
                // One read transaction, so the device row, its models and held receipts are of the same commit.
                await using DbTransaction tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var devices = await ReadAllAsync(c, tx, $"SELECT {MeterDeviceColumns} FROM meter_devices WHERE device_id = @device", ReadMeterDevice, cancellationToken, ("device", deviceId)).ConfigureAwait(false);
                var models = await ReadAllAsync(c, tx, $"SELECT {MeterModelColumns} FROM meter_models WHERE device_id = @device ORDER BY model_id", ReadMeterModel, cancellationToken, ("device", deviceId)).ConfigureAwait(false);
                var pending = await ReadAllAsync(
                    c,
                    tx,
                    $"SELECT {MeterReceiptColumns} FROM meter_receipts WHERE device_id = @device AND status = 'pending' ORDER BY receipt_seq, msg_seq",
                    ReadMeterReceipt,
                    cancellationToken,
                    ("device", deviceId)).ConfigureAwait(false);
                var gaps = await ReadAllAsync(
                    c,
                    tx,
                    $"SELECT {MeterFindingColumns} FROM meter_findings WHERE device_id = @device AND reason = 'Gap' AND resolved_at IS NULL ORDER BY finding_id",
                    ReadMeterFinding,
                    cancellationToken,
                    ("device", deviceId)).ConfigureAwait(false);
                var newest = await ReadAllAsync(c, tx, "SELECT last_seq FROM devices WHERE device_id = @device", r => r.GetInt64(0), cancellationToken, ("device", deviceId)).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new MeterSnapshot(devices.Count == 0 ? MeterDeviceState.Initial(deviceId) : devices[0], models, pending, gaps, newest.Count == 0 ? 0 : newest[0]);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<MeterReceiptRecord>> MeterReceiptsBySeqAsync(string deviceId, IReadOnlyCollection<long> receiptSeqs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiptSeqs);
        if (receiptSeqs.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<MeterReceiptRecord>>([]);
        }

        // Sequences are longs formatted by us, so inlining them is safe and works the same on both engines.
        string list = string.Join(", ", receiptSeqs.Distinct().Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return QueryAsync(
            $"SELECT {MeterReceiptColumns} FROM meter_receipts WHERE device_id = @device AND receipt_seq IN ({list}) ORDER BY receipt_seq, msg_seq",
            ReadMeterReceipt,
            cancellationToken,
            ("device", deviceId));
    }

    public Task<IReadOnlyList<MeterReceiptRecord>> MeterOverlapsAsync(string deviceId, string modelId, long first, long limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {MeterReceiptColumns} FROM meter_receipts WHERE device_id = @device AND model_id = @model AND status IN ('accepted', 'untrusted') "
            + "AND range_first < @limit AND range_first + range_count > @first ORDER BY range_first",
            ReadMeterReceipt,
            cancellationToken,
            ("device", deviceId),
            ("model", modelId),
            ("first", first),
            ("limit", limit));

    public Task<bool> CommitMeterAsync(MeterCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        MeterDeviceState d = commit.Device;
        return WriteAsync(
            async (c, tx) =>
            {
                // The version check first: a pass that lost the race writes nothing. An unseen device gets its row at
                // version 0 here, and the update below claims it like any other version.
                if (commit.ExpectedVersion == 0)
                {
                    await ExecuteAsync(
                        c,
                        tx,
                        "INSERT INTO meter_devices (device_id, version, next_seq, head_hash, updated_at) VALUES (@device, 0, 1, @zero, @at) ON CONFLICT (device_id) DO NOTHING",
                        cancellationToken,
                        ("device", d.DeviceId),
                        ("zero", new byte[32]),
                        ("at", ToDb(DateTimeOffset.UtcNow))).ConfigureAwait(false);
                }

                string flaggedAt = d.FlaggedAt is null ? "NULL" : "@flaggedAt";
                int updated = await ExecuteAsync(
                    c,
                    tx,
                    $"UPDATE meter_devices SET version = @version + 1, next_seq = @next, head_hash = @head, flagged = @flagged, flag_reason = @reason, flagged_at = {flaggedAt}, updated_at = @at "
                    + "WHERE device_id = @device AND version = @version",
                    cancellationToken,
                    ("version", commit.ExpectedVersion),
                    ("next", d.NextSeq),
                    ("head", d.HeadHash),
                    ("flagged", d.Flagged ? 1 : 0),
                    ("reason", d.FlagReason),
                    ("flaggedAt", ToDb(d.FlaggedAt ?? DateTimeOffset.UnixEpoch)),
                    ("at", ToDb(DateTimeOffset.UtcNow)),
                    ("device", d.DeviceId)).ConfigureAwait(false);
                if (updated == 0)
                {
                    return false;
                }

                var statements = new List<Statement>();
                foreach (MeterModelState m in commit.Models)
                {
                    statements.Add(new(
                        $"INSERT INTO meter_models ({MeterModelColumns}) VALUES (@device, @model, @limit, @first, @window, @boot) "
                        + "ON CONFLICT (device_id, model_id) DO UPDATE SET claimed_limit = excluded.claimed_limit, last_first = excluded.last_first, "
                        + "last_window_start = excluded.last_window_start, last_boot = excluded.last_boot",
                        [("device", m.DeviceId), ("model", m.ModelId), ("limit", m.ClaimedLimit), ("first", m.LastFirst), ("window", m.LastWindowStart), ("boot", m.LastBoot)]));
                }

                foreach (MeterReceiptUpdate u in commit.Updates)
                {
                    statements.Add(new(
                        "UPDATE meter_receipts SET status = @status, reason = @reason, detail = @detail, in_chain = @chain WHERE device_id = @device AND msg_seq = @msg",
                        [("status", u.Status), ("reason", u.Reason), ("detail", u.Detail), ("chain", u.InChain ? 1 : 0), ("device", d.DeviceId), ("msg", u.MessageSeq)]));
                }

                foreach (MeterFindingRecord f in commit.Findings)
                {
                    statements.Add(new(
                        "INSERT INTO meter_findings (device_id, reason, serious, receipt_seq, last_receipt_seq, msg_seq, detail, at) VALUES (@device, @reason, @serious, @seq, @last, @msg, @detail, @at)",
                        [("device", f.DeviceId), ("reason", f.Reason), ("serious", f.Serious ? 1 : 0), ("seq", f.ReceiptSeq), ("last", f.LastReceiptSeq), ("msg", f.MessageSeq), ("detail", f.Detail), ("at", ToDb(f.At))]));
                }

                foreach (long id in commit.ResolvedFindings)
                {
                    statements.Add(new("UPDATE meter_findings SET resolved_at = @at WHERE finding_id = @id AND resolved_at IS NULL", [("at", ToDb(DateTimeOffset.UtcNow)), ("id", id)]));
                }

                await InsertReceiptsAsync(c, tx, commit.Inserts, cancellationToken).ConfigureAwait(false);
                await ExecuteAllAsync(c, tx, statements, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<MeterReceiptRecord>> MeterReceiptsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {MeterReceiptColumns} FROM meter_receipts WHERE device_id = @device ORDER BY msg_seq", ReadMeterReceipt, cancellationToken, ("device", deviceId));

    public Task<IReadOnlyList<MeterFindingRecord>> MeterFindingsAsync(string? deviceId = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return deviceId is null
            ? QueryAsync($"SELECT {MeterFindingColumns} FROM meter_findings ORDER BY finding_id DESC LIMIT @limit", ReadMeterFinding, cancellationToken, ("limit", limit))
            : QueryAsync($"SELECT {MeterFindingColumns} FROM meter_findings WHERE device_id = @device ORDER BY finding_id DESC LIMIT @limit", ReadMeterFinding, cancellationToken, ("device", deviceId), ("limit", limit));
    }

    public Task<IReadOnlyList<MeterDeviceState>> MeterDevicesAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {MeterDeviceColumns} FROM meter_devices ORDER BY device_id", ReadMeterDevice, cancellationToken);

    public Task<IReadOnlyList<MeterModelState>> MeterModelsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {MeterModelColumns} FROM meter_models WHERE device_id = @device ORDER BY model_id", ReadMeterModel, cancellationToken, ("device", deviceId));

    public Task<int> ClearMeterFlagAsync(string deviceId, string note, bool billHeld, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(note);
        return WriteAsync(
            async (c, tx) =>
            {
                // Bumping the version makes a verification pass that read the flagged state retry with the cleared one.
                int cleared = await ExecuteAsync(
                    c,
                    tx,
                    "UPDATE meter_devices SET flagged = 0, cleared_at = @at, clear_note = @note, version = version + 1, updated_at = @at WHERE device_id = @device AND flagged = 1",
                    cancellationToken,
                    ("at", ToDb(at)),
                    ("note", note),
                    ("device", deviceId)).ConfigureAwait(false);
                if (cleared == 0)
                {
                    return -1;
                }

                return await ExecuteAsync(
                    c,
                    tx,
                    "UPDATE meter_receipts SET status = @status WHERE device_id = @device AND status = @untrusted",
                    cancellationToken,
                    ("status", billHeld ? MeterStatus.Accepted : MeterStatus.WrittenOff),
                    ("device", deviceId),
                    ("untrusted", MeterStatus.Untrusted)).ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<MeterUsageRow>> MeterUsageAsync(MeterUsageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string> { "r.status IN ('accepted', 'untrusted')" };
        var parameters = new List<(string, object?)>();
        if (query.Since is { } since)
        {
            where.Add("r.billed_at >= @since");
            parameters.Add(("since", since.ToUnixTimeSeconds()));
        }

        if (query.Until is { } until)
        {
            where.Add("r.billed_at < @until");
            parameters.Add(("until", until.ToUnixTimeSeconds()));
        }

        if (query.Fleet is { } fleet)
        {
            where.Add("COALESCE(d.fleet, '') = @fleet");
            parameters.Add(("fleet", fleet));
        }

        if (query.Customer is { } customer)
        {
            where.Add("COALESCE(c.customer, d.fleet, '') = @customer");
            parameters.Add(("customer", customer));
        }

        return QueryAsync(
            "SELECT COALESCE(c.customer, d.fleet, '') AS customer, COALESCE(d.fleet, '') AS fleet, r.device_id, r.model_id, r.status, "
            + "COUNT(*), SUM(r.range_count), SUM(r.grace_count) "
            + "FROM meter_receipts r LEFT JOIN devices d ON d.device_id = r.device_id LEFT JOIN meter_customers c ON c.device_id = r.device_id "
            + $"WHERE {string.Join(" AND ", where)} "
            + "GROUP BY COALESCE(c.customer, d.fleet, ''), COALESCE(d.fleet, ''), r.device_id, r.model_id, r.status "
            + "ORDER BY 1, 3, 4, 5",
            r => new MeterUsageRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), ReadSum(r, 6), ReadSum(r, 7)),
            cancellationToken,
            [.. parameters]);
    }

    public Task SetCustomerAsync(string deviceId, string? customer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        return WriteAsync(
            (c, tx) => customer is null
                ? ExecuteAsync(c, tx, "DELETE FROM meter_customers WHERE device_id = @device", cancellationToken, ("device", deviceId))
                : ExecuteAsync(
                    c,
                    tx,
                    "INSERT INTO meter_customers (device_id, customer) VALUES (@device, @customer) ON CONFLICT (device_id) DO UPDATE SET customer = excluded.customer",
                    cancellationToken,
                    ("device", deviceId),
                    ("customer", customer)),
            cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> CustomersAsync(CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT device_id, customer FROM meter_customers ORDER BY device_id", r => (r.GetString(0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    public Task<long> NextQuotaTokenIdAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        return WriteScalarAsync(
            """
            INSERT INTO quota_counters (device_id, last_token_id) VALUES (@device, 1)
            ON CONFLICT (device_id) DO UPDATE SET last_token_id = quota_counters.last_token_id + 1
            RETURNING last_token_id
            """,
            cancellationToken,
            ("device", deviceId));
    }

    public Task<long> RecordQuotaGrantAsync(QuotaTokenRecord token, string commandName, byte[] arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentException.ThrowIfNullOrEmpty(commandName);
        ArgumentNullException.ThrowIfNull(arguments);
        return WriteAsync(
            async (c, tx) =>
            {
                long commandId;
                await using (DbCommand enqueue = Command(c, tx, "INSERT INTO commands (device_id, name, arguments, created_at) VALUES (@device, @name, @arguments, @at) RETURNING command_id"))
                {
                    Add(enqueue, "device", token.DeviceId);
                    Add(enqueue, "name", commandName);
                    Add(enqueue, "arguments", arguments);
                    Add(enqueue, "at", ToDb(DateTimeOffset.UtcNow));
                    commandId = Convert.ToInt64(await enqueue.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }

                await ExecuteAsync(
                    c,
                    tx,
                    "INSERT INTO quota_tokens (device_id, token_id, model_id, allowance, issued_at, expires_at, policy, grace_allowance, command_id) "
                    + "VALUES (@device, @token, @model, @allowance, @issued, @expires, @policy, @grace, @command)",
                    cancellationToken,
                    ("device", token.DeviceId),
                    ("token", token.TokenId),
                    ("model", token.ModelId),
                    ("allowance", token.Allowance),
                    ("issued", ToDb(token.IssuedAt)),
                    ("expires", ToDb(token.ExpiresAt)),
                    ("policy", token.Policy),
                    ("grace", token.GraceAllowance),
                    ("command", commandId)).ConfigureAwait(false);
                return commandId;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<QuotaTokenRecord>> QuotaTokensAsync(string? deviceId = null, CancellationToken cancellationToken = default)
    {
        string sql = $"SELECT {QuotaColumns} FROM quota_tokens q LEFT JOIN commands c ON c.command_id = q.command_id"
            + (deviceId is null ? string.Empty : " WHERE q.device_id = @device")
            + " ORDER BY q.device_id, q.token_id DESC";
        return deviceId is null
            ? QueryAsync(sql, ReadQuotaToken, cancellationToken)
            : QueryAsync(sql, ReadQuotaToken, cancellationToken, ("device", deviceId));
    }

    /// <summary>Inserts receipt rows with one prepared statement re-bound by position (no lookups by parameter name per row).</summary>
    private async Task InsertReceiptsAsync(DbConnection c, DbTransaction tx, IReadOnlyList<MeterReceiptRecord> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        object?[] first = ReceiptValues(rows[0]);
        string names = string.Join(", ", Enumerable.Range(0, first.Length).Select(k => $"@v{k}"));
        await using DbCommand insert = Command(c, tx, $"INSERT INTO meter_receipts ({MeterReceiptColumns}) VALUES ({names})");
        for (int k = 0; k < first.Length; k++)
        {
            Add(insert, $"v{k}", first[k]);
        }

        await insert.PrepareAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < rows.Count; i++)
        {
            object?[] values = i == 0 ? first : ReceiptValues(rows[i]);
            for (int k = 0; k < values.Length; k++)
            {
                insert.Parameters[k].Value = values[k];
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // In the order of MeterReceiptColumns.
    private object?[] ReceiptValues(MeterReceiptRecord r) =>
    [
        r.DeviceId, r.MessageSeq, r.ReceiptSeq, r.ModelId, r.VariantId, r.First, r.Count, r.GraceCount, r.WindowStart, r.WindowEnd, r.BootCount,
        r.QuotaTokenId, r.Flags, r.Hash, r.PrevHash, r.Status, r.Reason, r.Detail, r.InChain ? 1 : 0, ToDb(r.ReceivedAt), r.BilledAt, ToDb(r.ProcessedAt),
    ];

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbConnection c, DbTransaction tx, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = Command(c, tx, sql);
        foreach ((string name, object? value) in parameters)
        {
            Add(command, name, value);
        }

        var rows = new List<T>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    // SUM is numeric in PostgreSQL and integer in SQLite.
    private static long ReadSum(DbDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? 0 : Convert.ToInt64(r.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private MeterDeviceState ReadMeterDevice(DbDataReader r) => new(
        r.GetString(0),
        r.GetInt64(1),
        r.GetInt64(2),
        (byte[])r.GetValue(3),
        r.GetInt32(4) != 0,
        r.GetString(5),
        r.IsDBNull(6) ? null : ReadTime(r, 6),
        r.IsDBNull(7) ? null : ReadTime(r, 7),
        r.GetString(8));

    private static MeterModelState ReadMeterModel(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5));

    private MeterReceiptRecord ReadMeterReceipt(DbDataReader r) => new(
        r.GetString(0),
        r.GetInt64(1),
        r.GetInt64(2),
        r.GetString(3),
        r.GetString(4),
        r.GetInt64(5),
        r.GetInt64(6),
        r.GetInt64(7),
        r.GetInt64(8),
        r.GetInt64(9),
        r.GetInt64(10),
        r.GetInt64(11),
        r.GetInt32(12),
        (byte[])r.GetValue(13),
        (byte[])r.GetValue(14),
        r.GetString(15),
        r.GetString(16),
        r.GetString(17),
        r.GetInt32(18) != 0,
        ReadTime(r, 19),
        r.GetInt64(20),
        ReadTime(r, 21));

    private MeterFindingRecord ReadMeterFinding(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.GetInt32(3) != 0,
        r.GetInt64(4),
        r.GetInt64(5),
        r.GetInt64(6),
        r.GetString(7),
        ReadTime(r, 8),
        r.IsDBNull(9) ? null : ReadTime(r, 9));

    private QuotaTokenRecord ReadQuotaToken(DbDataReader r) => new(
        r.GetString(0),
        r.GetInt64(1),
        r.GetString(2),
        r.GetInt64(3),
        ReadTime(r, 4),
        ReadTime(r, 5),
        r.GetInt32(6),
        r.GetInt64(7),
        r.GetInt64(8),
        r.IsDBNull(9) ? null : ReadTime(r, 9),
        r.IsDBNull(10) ? null : r.GetInt32(10),
        r.IsDBNull(11) ? null : r.GetString(11),
        r.IsDBNull(12) ? null : ReadTime(r, 12));
}
