namespace TinyMLOps.Fleet.Store;

/// <summary>
/// An API key: its public id, a name for people, its role (viewer, operator or admin) and the SHA-256 of its secret;
/// the secret itself is shown once at creation and never stored.
/// </summary>
public sealed record ApiKeyRecord(
    string KeyId,
    string Name,
    string Role,
    byte[] SecretHash,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RevokedAt = null,
    string? RevokedBy = null,
    DateTimeOffset? LastUsedAt = null)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>One write through the API or the web console: who (key id and name), with which role, what, and how it ended (HTTP status).</summary>
public sealed record AuditRecord(
    long AuditId,
    DateTimeOffset At,
    string Actor,
    string Role,
    string Action,
    string Target,
    int Status,
    string Detail,
    string? Remote);
