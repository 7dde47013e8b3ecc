using System.Data.Common;

namespace TinyMLOps.Fleet.Store;

public abstract partial class FleetStore
{
    private const string WebhookColumns = "subscription_id, url, events, sealed_secret, created_at";

    private const string DeliveryColumns =
        "d.delivery_id, d.event_id, d.subscription_id, e.type, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at";

    private const string DeliveryFrom = "webhook_deliveries d JOIN webhook_events e ON e.event_id = d.event_id";

    public Task<long> AddWebhookAsync(WebhookSubscriptionRecord subscription, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return WriteScalarAsync(
            "INSERT INTO webhook_subscriptions (url, events, sealed_secret, created_at) VALUES (@url, @events, @secret, @at) RETURNING subscription_id",
            cancellationToken,
            ("url", subscription.Url),
            ("events", subscription.Events),
            ("secret", subscription.SealedSecret),
            ("at", ToDb(subscription.CreatedAt)));
    }

    public async Task<WebhookSubscriptionRecord?> GetWebhookAsync(long subscriptionId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {WebhookColumns} FROM webhook_subscriptions WHERE subscription_id = @id", ReadWebhook, cancellationToken, ("id", subscriptionId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<WebhookSubscriptionRecord>> WebhooksAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {WebhookColumns} FROM webhook_subscriptions ORDER BY subscription_id", ReadWebhook, cancellationToken);

    public Task<bool> RemoveWebhookAsync(long subscriptionId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (c, tx) =>
            {
                int removed = await ExecuteAsync(c, tx, "DELETE FROM webhook_subscriptions WHERE subscription_id = @id", cancellationToken, ("id", subscriptionId)).ConfigureAwait(false);
                await ExecuteAsync(
                    c,
                    tx,
                    "UPDATE webhook_deliveries SET state = @cancelled, last_error = 'subscription removed', finished_at = @at, lease_owner = NULL, lease_until = NULL WHERE subscription_id = @id AND state = @pending",
                    cancellationToken,
                    ("cancelled", WebhookDeliveryStates.Cancelled),
                    ("at", ToDb(at)),
                    ("id", subscriptionId),
                    ("pending", WebhookDeliveryStates.Pending)).ConfigureAwait(false);
                return removed == 1;
            },
            cancellationToken);

    public Task<RecordedEvent> RecordEventAsync(FleetEventRecord fleetEvent, long? onlySubscription = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleetEvent);
        ArgumentException.ThrowIfNullOrEmpty(fleetEvent.EventKey, nameof(fleetEvent));
        return WriteAsync(
            async (c, tx) =>
            {
                int added = await ExecuteAsync(
                    c,
                    tx,
                    "INSERT INTO webhook_events (event_id, event_key, type, at, payload) VALUES (@id, @key, @type, @at, @payload) ON CONFLICT (event_key) DO NOTHING",
                    cancellationToken,
                    ("id", fleetEvent.EventId),
                    ("key", fleetEvent.EventKey),
                    ("type", fleetEvent.Type),
                    ("at", ToDb(fleetEvent.At)),
                    ("payload", fleetEvent.Payload)).ConfigureAwait(false);
                if (added == 0)
                {
                    return new RecordedEvent(false, []);
                }

                var subscriptions = new List<WebhookSubscriptionRecord>();
                await using (DbCommand select = Command(c, tx, $"SELECT {WebhookColumns} FROM webhook_subscriptions ORDER BY subscription_id"))
                await using (DbDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        subscriptions.Add(ReadWebhook(reader));
                    }
                }

                var ids = new List<string>();
                foreach (var s in subscriptions.Where(s => onlySubscription is { } only ? s.SubscriptionId == only : s.Wants(fleetEvent.Type)))
                {
                    string id = Guid.CreateVersion7(fleetEvent.At).ToString();
                    await ExecuteAsync(
                        c,
                        tx,
                        "INSERT INTO webhook_deliveries (delivery_id, event_id, subscription_id, state, attempts, next_attempt_at, created_at) VALUES (@id, @event, @subscription, @pending, 0, @at, @at)",
                        cancellationToken,
                        ("id", id),
                        ("event", fleetEvent.EventId),
                        ("subscription", s.SubscriptionId),
                        ("pending", WebhookDeliveryStates.Pending),
                        ("at", ToDb(fleetEvent.At))).ConfigureAwait(false);
                    ids.Add(id);
                }

                return new RecordedEvent(true, ids);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<FleetEventRecord>> FleetEventsAsync(string? type = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return QueryAsync(
            $"SELECT event_id, event_key, type, at, payload FROM webhook_events{(type == null ? string.Empty : " WHERE type = @type")} ORDER BY at DESC, event_id DESC LIMIT @limit",
            r => new FleetEventRecord(r.GetString(0), r.GetString(1), r.GetString(2), ReadTime(r, 3), r.GetString(4)),
            cancellationToken,
            ("type", type),
            ("limit", limit));
    }

    public Task<IReadOnlyList<WebhookWork>> ClaimWebhookDeliveriesAsync(string owner, DateTimeOffset now, TimeSpan lease, int limit, string? deliveryId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return WriteAsync<IReadOnlyList<WebhookWork>>(
            async (c, tx) =>
            {
                // Update-where: a row another worker leased meanwhile no longer matches (PostgreSQL rechecks it after the lock
                // wait). PostgreSQL also skips rows another claimer holds, so concurrent claimers take disjoint batches.
                string free = "state = @pending AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)" + (deliveryId == null ? string.Empty : " AND delivery_id = @only");
                // Whole microseconds, what both engines keep, so the select below matches the stored lease exactly.
                var end = now + lease;
                object until = ToDb(new DateTimeOffset(end.UtcTicks - (end.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero));
                await ExecuteAsync(
                    c,
                    tx,
                    $"UPDATE webhook_deliveries SET lease_owner = @owner, lease_until = @until WHERE {free} " +
                    $"AND delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE {free} ORDER BY next_attempt_at, delivery_id LIMIT @limit{(Engine == FleetStoreEngines.Postgres ? " FOR UPDATE SKIP LOCKED" : string.Empty)})",
                    cancellationToken,
                    ("owner", owner),
                    ("until", until),
                    ("pending", WebhookDeliveryStates.Pending),
                    ("now", ToDb(now)),
                    ("limit", limit),
                    ("only", deliveryId ?? string.Empty)).ConfigureAwait(false);
                await using DbCommand select = Command(
                    c,
                    tx,
                    $"SELECT {DeliveryColumns}, s.url, s.sealed_secret, e.payload FROM {DeliveryFrom} JOIN webhook_subscriptions s ON s.subscription_id = d.subscription_id " +
                    "WHERE d.lease_owner = @owner AND d.lease_until = @until AND d.state = @pending ORDER BY d.next_attempt_at, d.delivery_id");
                Add(select, "owner", owner);
                Add(select, "until", until);
                Add(select, "pending", WebhookDeliveryStates.Pending);
                var work = new List<WebhookWork>();
                await using DbDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    work.Add(new WebhookWork(ReadDelivery(reader), reader.GetString(11), (byte[])reader.GetValue(12), reader.GetString(13)));
                }

                return work;
            },
            cancellationToken);
    }

    public Task<bool> CompleteWebhookAttemptAsync(string owner, WebhookAttemptRecord attempt, string state, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentException.ThrowIfNullOrEmpty(state);
        string status = attempt.StatusCode is null ? "NULL" : "@status";
        string finished = state == WebhookDeliveryStates.Pending ? "NULL" : "@at";
        return WriteAsync(
            async (c, tx) =>
            {
                int moved = await ExecuteAsync(
                    c,
                    tx,
                    $"UPDATE webhook_deliveries SET state = @state, attempts = @attempt, next_attempt_at = @next, last_status = {status}, last_error = @error, " +
                    $"finished_at = {finished}, lease_owner = NULL, lease_until = NULL WHERE delivery_id = @id AND lease_owner = @owner AND state = @pending",
                    cancellationToken,
                    ("state", state),
                    ("attempt", attempt.Attempt),
                    ("next", ToDb(nextAttemptAt)),
                    ("status", attempt.StatusCode ?? 0),
                    ("error", attempt.Error),
                    ("at", ToDb(attempt.At)),
                    ("id", attempt.DeliveryId),
                    ("owner", owner),
                    ("pending", WebhookDeliveryStates.Pending)).ConfigureAwait(false);
                if (moved == 0)
                {
                    return false;
                }

                await ExecuteAsync(
                    c,
                    tx,
                    $"INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES (@id, @attempt, @at, {status}, @error, @duration)",
                    cancellationToken,
                    ("id", attempt.DeliveryId),
                    ("attempt", attempt.Attempt),
                    ("at", ToDb(attempt.At)),
                    ("status", attempt.StatusCode ?? 0),
                    ("error", attempt.Error),
                    ("duration", attempt.DurationMs)).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<WebhookDeliveryRecord>> WebhookDeliveriesAsync(long? subscriptionId = null, bool failedOnly = false, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var filters = new List<string>();
        if (subscriptionId != null)
        {
            filters.Add("d.subscription_id = @subscription");
        }

        if (failedOnly)
        {
            filters.Add("d.state = @failed");
        }

        return QueryAsync(
            $"SELECT {DeliveryColumns} FROM {DeliveryFrom}{(filters.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", filters))} ORDER BY d.created_at DESC, d.delivery_id DESC LIMIT @limit",
            ReadDelivery,
            cancellationToken,
            ("subscription", subscriptionId),
            ("failed", failedOnly ? WebhookDeliveryStates.Failed : null),
            ("limit", limit));
    }

    public async Task<WebhookDeliveryRecord?> GetWebhookDeliveryAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {DeliveryColumns} FROM {DeliveryFrom} WHERE d.delivery_id = @id", ReadDelivery, cancellationToken, ("id", deliveryId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<WebhookAttemptRecord>> WebhookAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT delivery_id, attempt, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = @id ORDER BY attempt, attempt_id",
            r => new WebhookAttemptRecord(r.GetString(0), r.GetInt32(1), ReadTime(r, 2), r.IsDBNull(3) ? null : r.GetInt32(3), r.GetString(4), r.GetInt64(5)),
            cancellationToken,
            ("id", deliveryId));

    private WebhookSubscriptionRecord ReadWebhook(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2), (byte[])r.GetValue(3), ReadTime(r, 4));

    private WebhookDeliveryRecord ReadDelivery(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetInt64(2),
        r.GetString(3),
        r.GetString(4),
        r.GetInt32(5),
        ReadTime(r, 6),
        r.IsDBNull(7) ? null : r.GetInt32(7),
        r.GetString(8),
        ReadTime(r, 9),
        r.IsDBNull(10) ? null : ReadTime(r, 10));
}
