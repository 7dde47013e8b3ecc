using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    public Task<IReadOnlyList<string>?> ChangeDeviceTagsAsync(string deviceId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, int maxTags, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        return WriteAsync<IReadOnlyList<string>?>(
            async (c, tx) =>
            {
                await using (DbCommand exists = Command(c, tx, "SELECT COUNT(*) FROM devices WHERE device_id = @device"))
                {
                    Add(exists, "device", deviceId);
                    if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 0)
                    {
                        return null;
                    }
                }

                foreach (string tag in remove)
                {
                    await ExecuteAsync(c, tx, "DELETE FROM device_tags WHERE device_id = @device AND tag = @tag", cancellationToken, ("device", deviceId), ("tag", tag)).ConfigureAwait(false);
                }

                foreach (string tag in add)
                {
                    await ExecuteAsync(c, tx, "INSERT INTO device_tags (device_id, tag) VALUES (@device, @tag) ON CONFLICT (device_id, tag) DO NOTHING", cancellationToken, ("device", deviceId), ("tag", tag)).ConfigureAwait(false);
                }

                var tags = new List<string>();
                await using (DbCommand read = Command(c, tx, "SELECT tag FROM device_tags WHERE device_id = @device"))
                {
                    Add(read, "device", deviceId);
                    await using DbDataReader reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        tags.Add(reader.GetString(0));
                    }
                }

                if (tags.Count > maxTags)
                {
                    // Thrown inside the transaction, so nothing of this change is kept.
                    throw new InvalidOperationException($"device {deviceId} would carry {tags.Count} tags; at most {maxTags} are allowed");
                }

                tags.Sort(StringComparer.Ordinal);
                return tags;
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<string>> DeviceTagsAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        var tags = await QueryAsync("SELECT tag FROM device_tags WHERE device_id = @device", r => r.GetString(0), cancellationToken, ("device", deviceId)).ConfigureAwait(false);
        return [.. tags.Order(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> AllDeviceTagsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT device_id, tag FROM device_tags", r => (Device: r.GetString(0), Tag: r.GetString(1)), cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => r.Device, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.Tag).Order(StringComparer.Ordinal)], StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<string>> DevicesWithTagsAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        string[] distinct = [.. tags.Distinct(StringComparer.Ordinal)];
        if (distinct.Length == 0)
        {
            return await QueryAsync("SELECT device_id FROM devices ORDER BY device_id", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        }

        // One parameter per tag: both engines take the same text, and a device counts when it has all of them.
        string names = string.Join(", ", distinct.Select((_, i) => $"@t{i}"));
        var found = await QueryAsync(
            $"SELECT device_id FROM device_tags WHERE tag IN ({names}) GROUP BY device_id HAVING COUNT(*) = @count",
            r => r.GetString(0),
            cancellationToken,
            [.. distinct.Select((t, i) => ($"t{i}", (object?)t)), ("count", (long)distinct.Length)]).ConfigureAwait(false);
        return [.. found.Order(StringComparer.Ordinal)];
    }

    public Task<bool> DecommissionDeviceAsync(string deviceId, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(reason);
        return WriteAsync(
            async (c, tx) => await ExecuteAsync(
                c,
                tx,
                """
                UPDATE devices SET credential_hash = NULL,
                    decommission_reason = CASE WHEN decommissioned_at IS NULL THEN @reason ELSE decommission_reason END,
                    decommissioned_at = CASE WHEN decommissioned_at IS NULL THEN @at ELSE decommissioned_at END
                WHERE device_id = @device
                """,
                cancellationToken,
                ("reason", reason),
                ("at", ToDb(at)),
                ("device", deviceId)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    public Task<IReadOnlyList<string>> DecommissionedDevicesAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT device_id FROM devices WHERE decommissioned_at IS NOT NULL ORDER BY device_id", r => r.GetString(0), cancellationToken);
}
