using System.Text.Json;
using System.Text.Json.Serialization;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>
/// Something an operator wants to hear about, before it has an id: its type, the key of the state change it reports
/// (the same change always gives the same key, so publishing it twice records it once), when, and its facts.
/// </summary>
public sealed record FleetEvent(string Type, string Key, DateTimeOffset At, object Data)
{
    /// <summary>The payload's schema version; a receiver should check it.</summary>
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The outbox row: a fresh event id and the versioned JSON payload {"version","id","type","at","data"}.</summary>
    public FleetEventRecord ToRecord()
    {
        string id = Guid.CreateVersion7(At).ToString();
        var at = At.ToUniversalTime();
        string payload = JsonSerializer.Serialize(new Envelope(Version, id, Type, at, Data), Json);
        return new FleetEventRecord(id, Key, Type, at, payload);
    }

    private sealed record Envelope(int Version, string Id, string Type, DateTimeOffset At, object Data);
}
