namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>Records a new API key; false when its id is taken.</summary>
    Task<bool> CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default);

    Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken = default);

    /// <summary>Every key, revoked ones included, newest first.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>Revokes a key; false when it does not exist or was revoked already.</summary>
    Task<bool> RevokeApiKeyAsync(string keyId, string revokedBy, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Notes when a key was last used (callers throttle this: it is a write).</summary>
    Task MarkApiKeyUsedAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Appends an audit entry (its id is ignored) and returns the id it got.</summary>
    Task<long> AppendAuditAsync(AuditRecord entry, CancellationToken cancellationToken = default);

    /// <summary>Audit entries newest first, older than <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<AuditRecord>> AuditAsync(int limit = 100, long? beforeId = null, CancellationToken cancellationToken = default);
}
