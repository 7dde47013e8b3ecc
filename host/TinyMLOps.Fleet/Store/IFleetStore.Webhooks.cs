namespace TinyMLOps.Fleet.Store;

public partial interface IFleetStore
{
    /// <summary>Records a subscription (its id is ignored) and returns its id.</summary>
    Task<long> AddWebhookAsync(WebhookSubscriptionRecord subscription, CancellationToken cancellationToken = default);

    Task<WebhookSubscriptionRecord?> GetWebhookAsync(long subscriptionId, CancellationToken cancellationToken = default);

    /// <summary>Every subscription, oldest first.</summary>
    Task<IReadOnlyList<WebhookSubscriptionRecord>> WebhooksAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a subscription and cancels its pending deliveries; false when there is none with that id.</summary>
    Task<bool> RemoveWebhookAsync(long subscriptionId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds an event to the outbox and, in the same transaction, a pending delivery (due at the event's time) for each
    /// subscription that wants its type, or only for <paramref name="onlySubscription"/> when given. An event whose
    /// key is stored already is ignored (nothing queued).
    /// </summary>
    Task<RecordedEvent> RecordEventAsync(FleetEventRecord fleetEvent, long? onlySubscription = null, CancellationToken cancellationToken = default);

    /// <summary>The newest <paramref name="limit"/> events (of one type when given), newest first.</summary>
    Task<IReadOnlyList<FleetEventRecord>> FleetEventsAsync(string? type = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <paramref name="limit"/> pending deliveries due at <paramref name="now"/> whose lease (if any) has
    /// run out, to <paramref name="owner"/> until now + <paramref name="lease"/>; a delivery is leased to one owner at a
    /// time across workers. Oldest due first; only <paramref name="deliveryId"/> when given.
    /// </summary>
    Task<IReadOnlyList<WebhookWork>> ClaimWebhookDeliveriesAsync(string owner, DateTimeOffset now, TimeSpan lease, int limit, string? deliveryId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Logs an attempt and moves its delivery to <paramref name="state"/> (pending with the next attempt time, or
    /// delivered or failed), releasing the lease; false (nothing written) when <paramref name="owner"/> no longer holds it.
    /// </summary>
    Task<bool> CompleteWebhookAttemptAsync(string owner, WebhookAttemptRecord attempt, string state, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>The newest <paramref name="limit"/> deliveries, newest first, of one subscription when given, only failed ones when asked.</summary>
    Task<IReadOnlyList<WebhookDeliveryRecord>> WebhookDeliveriesAsync(long? subscriptionId = null, bool failedOnly = false, int limit = 100, CancellationToken cancellationToken = default);

    Task<WebhookDeliveryRecord?> GetWebhookDeliveryAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>The attempts of a delivery, first first.</summary>
    Task<IReadOnlyList<WebhookAttemptRecord>> WebhookAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default);
}
