using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string ConsentColumns = "device_id, category, setting, granted, hello_seq, updated_at";

    public Task<IReadOnlyList<DeviceConsentRecord>> ConsentAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {ConsentColumns} FROM device_consent WHERE device_id = @device ORDER BY category",
            ReadConsent,
            cancellationToken,
            ("device", deviceId));

    public Task<IReadOnlyList<DeviceConsentRecord>> FleetConsentAsync(string? fleet = null, CancellationToken cancellationToken = default) =>
        fleet is null
            ? QueryAsync($"SELECT {ConsentColumns} FROM device_consent ORDER BY device_id, category", ReadConsent, cancellationToken)
            : QueryAsync(
                "SELECT c.device_id, c.category, c.setting, c.granted, c.hello_seq, c.updated_at FROM device_consent c "
                + "JOIN devices d ON d.device_id = c.device_id WHERE d.fleet = @fleet ORDER BY c.device_id, c.category",
                ReadConsent,
                cancellationToken,
                ("fleet", fleet));

    public Task<IReadOnlyList<ConsentChangeRecord>> ConsentChangesAsync(string deviceId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT change_id, device_id, at, category, old_setting, old_granted, new_setting, new_granted, hello_seq FROM consent_changes "
            + "WHERE device_id = @device ORDER BY change_id",
            r => new ConsentChangeRecord(
                r.GetInt64(0),
                r.GetString(1),
                ReadTime(r, 2),
                r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetInt32(5) != 0,
                r.GetString(6),
                r.GetInt32(7) != 0,
                r.GetInt64(8)),
            cancellationToken,
            ("device", deviceId));

    /// <summary>
    /// The consent sections of a device's new hellos, in sequence order: a change row for each category whose setting or
    /// grant differs from the recorded one (or that was not recorded yet), then the current row, unless a newer hello
    /// was recorded already (hellos may arrive out of order across batches).
    /// </summary>
    private static void AddConsent(List<Statement> statements, IngestRecord[] rows, string deviceId, Func<DateTimeOffset, object> toDb)
    {
        foreach (IngestRecord r in rows)
        {
            if (r.Hello is not { ConsentSettings: not null } h)
            {
                continue;
            }

            for (int c = 0; c < UploadConsent.Count && c < h.ConsentSettings.Length; c++)
            {
                (string, object?)[] parameters =
                [
                    ("device", deviceId),
                    ("category", UploadConsent.CategoryName(c)),
                    ("setting", UploadConsent.SettingName(h.ConsentSettings[c])),
                    ("granted", h.Granted(c) ? 1 : 0),
                    ("seq", r.Sequence),
                    ("at", toDb(r.ReceivedAt)),
                ];
                statements.Add(new(
                    """
                    INSERT INTO consent_changes (device_id, at, category, old_setting, old_granted, new_setting, new_granted, hello_seq)
                    SELECT @device, @at, @category,
                        (SELECT setting FROM device_consent WHERE device_id = @device AND category = @category),
                        (SELECT granted FROM device_consent WHERE device_id = @device AND category = @category),
                        @setting, @granted, @seq
                    WHERE NOT EXISTS (
                        SELECT 1 FROM device_consent WHERE device_id = @device AND category = @category
                            AND (hello_seq >= @seq OR (setting = @setting AND granted = @granted)))
                    """,
                    parameters));
                statements.Add(new(
                    """
                    INSERT INTO device_consent (device_id, category, setting, granted, hello_seq, updated_at)
                    VALUES (@device, @category, @setting, @granted, @seq, @at)
                    ON CONFLICT (device_id, category) DO UPDATE SET setting = excluded.setting, granted = excluded.granted,
                        hello_seq = excluded.hello_seq, updated_at = excluded.updated_at
                    WHERE device_consent.hello_seq < excluded.hello_seq
                    """,
                    parameters));
            }
        }
    }

    private DeviceConsentRecord ReadConsent(System.Data.Common.DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetInt32(3) != 0,
        r.GetInt64(4),
        ReadTime(r, 5));
}
