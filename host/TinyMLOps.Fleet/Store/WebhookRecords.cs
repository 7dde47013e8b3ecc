namespace TinyMLOps.Fleet.Store;

/// <summary>A webhook subscription: where to post, which event types ("*" for all, else a comma list) and its signing secret, sealed.</summary>
public sealed record WebhookSubscriptionRecord(long SubscriptionId, string Url, string Events, byte[] SealedSecret, DateTimeOffset CreatedAt)
{
    public bool Wants(string type) => Events == "*" || Events.Split(',').Contains(type, StringComparer.Ordinal);
}

/// <summary>
/// One fleet event in the outbox. <paramref name="EventKey"/> names the state change it reports (e.g. the rollout
/// that rolled back); recording the same key twice is a no-op, so a source may publish again after a crash.
/// </summary>
public sealed record FleetEventRecord(string EventId, string EventKey, string Type, DateTimeOffset At, string Payload);

/// <summary>What <see cref="IFleetStore.RecordEventAsync"/> did: whether the event was new, and the deliveries it queued.</summary>
public sealed record RecordedEvent(bool IsNew, IReadOnlyList<string> DeliveryIds);

/// <summary>One event bound for one subscription, with where its retries stand.</summary>
public sealed record WebhookDeliveryRecord(
    string DeliveryId,
    string EventId,
    long SubscriptionId,
    string Type,
    string State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    int? LastStatus,
    string LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt);

/// <summary>A delivery a dispatcher holds the lease of, with what it needs to post it.</summary>
public sealed record WebhookWork(WebhookDeliveryRecord Delivery, string Url, byte[] SealedSecret, string Payload);

/// <summary>One HTTP attempt of a delivery: the status code (null when no response came) or the error, and how long it took.</summary>
public sealed record WebhookAttemptRecord(string DeliveryId, int Attempt, DateTimeOffset At, int? StatusCode, string Error, long DurationMs);

/// <summary>States of a delivery, as stored.</summary>
public static class WebhookDeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>Its subscription was removed before it was delivered.</summary>
    public const string Cancelled = "cancelled";
}
