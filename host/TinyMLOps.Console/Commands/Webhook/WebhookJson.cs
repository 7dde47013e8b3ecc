using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>A subscription as `webhook ls --output json` gives it (never its secret).</summary>
internal sealed record WebhookJson(long Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, int Pending, int Delivered, int Failed)
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
