using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string ApiKeyColumns = "key_id, name, role, secret_hash, created_at, created_by, revoked_at, revoked_by, last_used_at";

    private const string AuditColumns = "audit_id, at, actor, role, action, target, status, detail, remote";

    public async Task<bool> CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        long inserted = await WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                $"INSERT INTO api_keys ({ApiKeyColumns}) VALUES (@id, @name, @role, @hash, @created, @by, NULL, NULL, NULL) ON CONFLICT (key_id) DO NOTHING",
                cancellationToken,
                ("id", key.KeyId),
                ("name", key.Name),
                ("role", key.Role),
                ("hash", key.SecretHash),
                ("created", ToDb(key.CreatedAt)),
                ("by", key.CreatedBy)),
            cancellationToken).ConfigureAwait(false);
        return inserted == 1;
    }

    public async Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ApiKeyRecord> found = await QueryAsync(
            $"SELECT {ApiKeyColumns} FROM api_keys WHERE key_id = @id", ReadApiKey, cancellationToken, ("id", keyId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {ApiKeyColumns} FROM api_keys ORDER BY created_at DESC, key_id", ReadApiKey, cancellationToken);

    public async Task<bool> RevokeApiKeyAsync(string keyId, string revokedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        int changed = await WriteAsync(
            (c, tx) => ExecuteAsync(
                c,
                tx,
                "UPDATE api_keys SET revoked_at = @at, revoked_by = @by WHERE key_id = @id AND revoked_at IS NULL",
                cancellationToken,
                ("id", keyId),
                ("by", revokedBy),
                ("at", ToDb(at))),
            cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public Task MarkApiKeyUsedAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(
            (c, tx) => ExecuteAsync(c, tx, "UPDATE api_keys SET last_used_at = @at WHERE key_id = @id", cancellationToken, ("id", keyId), ("at", ToDb(at))),
            cancellationToken);

    public Task<long> AppendAuditAsync(AuditRecord entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return WriteScalarAsync(
            "INSERT INTO audit_log (at, actor, role, action, target, status, detail, remote) VALUES (@at, @actor, @role, @action, @target, @status, @detail, @remote) RETURNING audit_id",
            cancellationToken,
            ("at", ToDb(entry.At)),
            ("actor", entry.Actor),
            ("role", entry.Role),
            ("action", entry.Action),
            ("target", entry.Target),
            ("status", entry.Status),
            ("detail", entry.Detail),
            ("remote", entry.Remote));
    }

    public Task<IReadOnlyList<AuditRecord>> AuditAsync(int limit = 100, long? beforeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return QueryAsync(
            $"SELECT {AuditColumns} FROM audit_log" + (beforeId is null ? string.Empty : " WHERE audit_id < @before") + " ORDER BY audit_id DESC LIMIT @limit",
            r => new AuditRecord(
                r.GetInt64(0),
                ReadTime(r, 1),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetString(5),
                r.GetInt32(6),
                r.GetString(7),
                r.IsDBNull(8) ? null : r.GetString(8)),
            cancellationToken,
            ("before", beforeId),
            ("limit", limit));
    }

    private ApiKeyRecord ReadApiKey(DbDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.GetString(2),
            (byte[])r.GetValue(3),
            ReadTime(r, 4),
            r.GetString(5),
            r.IsDBNull(6) ? null : ReadTime(r, 6),
            r.IsDBNull(7) ? null : r.GetString(7),
            r.IsDBNull(8) ? null : ReadTime(r, 8));
}
