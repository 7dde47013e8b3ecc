using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>Webhooks as `webhook ls|deliveries`, /api/v1/webhooks and the console's webhooks page read them.</summary>
public static class WebhookQueries
{
    /// <summary>Deliveries counted per subscription for the list (the newest this many).</summary>
    public const int CountedDeliveries = 10_000;

    public static async Task<IReadOnlyList<WebhookJson>> ListAsync(IFleetStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var subscriptions = await store.WebhooksAsync(cancellationToken).ConfigureAwait(false);
        var deliveries = await store.WebhookDeliveriesAsync(limit: CountedDeliveries, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. subscriptions.Select(s => WebhookJson.Of(s, deliveries))];
    }

    /// <summary>The newest deliveries, each with its attempts; only one subscription's, or only the failed ones, when asked.</summary>
    public static async Task<IReadOnlyList<DeliveryJson>> DeliveriesAsync(IFleetStore store, long? subscriptionId, bool failedOnly, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = new List<DeliveryJson>();
        foreach (var d in await store.WebhookDeliveriesAsync(subscriptionId, failedOnly, limit, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(DeliveryJson.Of(d, await store.WebhookAttemptsAsync(d.DeliveryId, cancellationToken).ConfigureAwait(false)));
        }

        return rows;
    }

    /// <summary>The audit line of a new subscription (never its secret).</summary>
    public static string AddedLine(WebhookSubscriptionRecord s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return $"webhook {s.SubscriptionId}: {s.Url} for {s.Events}";
    }

    /// <summary>Why a host without a master key can neither add nor test a webhook.</summary>
    public static readonly string NoMasterKey =
        $"webhook secrets are sealed with the fleet's master key, and serve has none ({DeviceKeys.ConfigurationKey} or {DeviceKeys.EnvironmentVariable})";

    /// <summary>The host's master key, which seals webhook secrets, or null without one.</summary>
    public static DeviceKeys? Keys(string? masterKey) => DeviceKeys.FromConfiguration(masterKey);
}
