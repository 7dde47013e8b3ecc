using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Contracts;

/// <summary>A subscription as `webhook ls --output json` and GET /api/v1/webhooks give it (never its secret).</summary>
public sealed record WebhookJson(long Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, int Pending, int Delivered, int Failed)
{
    public static WebhookJson Of(WebhookSubscriptionRecord s, IReadOnlyList<WebhookDeliveryRecord> deliveries) => new(
        s.SubscriptionId,
        s.Url,
        s.Events == "*" ? ["*"] : s.Events.Split(','),
        s.CreatedAt,
        deliveries.Count(d => d.SubscriptionId == s.SubscriptionId && d.State == WebhookDeliveryStates.Pending),
        deliveries.Count(d => d.SubscriptionId == s.SubscriptionId && d.State == WebhookDeliveryStates.Delivered),
        deliveries.Count(d => d.SubscriptionId == s.SubscriptionId && d.State == WebhookDeliveryStates.Failed));
}
