using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>What the console's webhook verbs do: subscribe (the secret returned once), test with a ping.</summary>
public sealed class WebhookSubscriptions(IFleetStore store, DeviceKeys keys, TimeProvider? time = null)
{
    private readonly WebhookSecrets _secrets = new(keys);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Checks the URL and event list, stores the subscription with its sealed secret, and returns it with the secret in clear.</summary>
    public async Task<(WebhookSubscriptionRecord Subscription, string Secret)> AddAsync(string url, string? events, CancellationToken cancellationToken = default)
    {
        url = WebhookUrl.Check(url);
        string types = FleetEventTypes.Normalize(events);
        string secret = WebhookSecrets.NewSecret();
        var record = new WebhookSubscriptionRecord(0, url, types, _secrets.Seal(secret, url), _time.GetUtcNow());
        long id = await store.AddWebhookAsync(record, cancellationToken).ConfigureAwait(false);
        return (record with { SubscriptionId = id }, secret);
    }

    /// <summary>Queues a ping for one subscription and returns its delivery id (the host's dispatcher posts it).</summary>
    public async Task<string> PingAsync(long subscriptionId, CancellationToken cancellationToken = default)
    {
        _ = await store.GetWebhookAsync(subscriptionId, cancellationToken).ConfigureAwait(false) ?? throw new ArgumentException($"no webhook {subscriptionId}");
        var recorded = await store.RecordEventAsync(PingEvent.For(subscriptionId, _time.GetUtcNow()).ToRecord(), subscriptionId, cancellationToken).ConfigureAwait(false);
        return recorded.DeliveryIds.Single();
    }
}
