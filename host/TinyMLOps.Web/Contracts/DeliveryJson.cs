using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>A delivery with its attempts, as `webhook deliveries --output json` and GET /api/v1/webhooks/deliveries give it.</summary>
public sealed record DeliveryJson(
    string DeliveryId,
    long WebhookId,
    string EventId,
    string Type,
    string State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? FinishedAt,
    int? LastStatus,
    string LastError,
    IReadOnlyList<DeliveryJson.Attempt> Log)
{
    public static DeliveryJson Of(WebhookDeliveryRecord d, IReadOnlyList<WebhookAttemptRecord> attempts) => new(
        d.DeliveryId,
        d.SubscriptionId,
        d.EventId,
        d.Type,
        d.State,
        d.Attempts,
        d.CreatedAt,
        d.State == WebhookDeliveryStates.Pending ? d.NextAttemptAt : null,
        d.FinishedAt,
        d.LastStatus,
        d.LastError,
        [.. attempts.Select(a => new Attempt(a.Attempt, a.At, a.StatusCode, a.Error, a.DurationMs))]);

    public sealed record Attempt(int Number, DateTimeOffset At, int? Status, string Error, long DurationMs);
}
