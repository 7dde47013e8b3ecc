using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static FleetEventRecord Event(string key, string type = "drift.alert", DateTimeOffset? at = null) =>
        new(Guid.NewGuid().ToString(), key, type, at ?? T0, $$"""{"version":1,"type":"{{type}}"}""");

    private async Task<long> SubscribeAsync(string events = "*", string url = "https://hooks.example/fleet") =>
        await Store.AddWebhookAsync(new WebhookSubscriptionRecord(0, url, events, [1, 2, 3], T0));

    [StoreFact]
    public async Task An_event_is_recorded_once_per_key_with_a_delivery_for_each_subscription_that_wants_its_type()
    {
        long all = await SubscribeAsync();
        long rounds = await SubscribeAsync("round.released");
        long drift = await SubscribeAsync("drift.alert,round.released");

        var first = await Store.RecordEventAsync(Event("drift.alert:cam-0:mlp:3"));
        Assert.True(first.IsNew);
        Assert.Equal(2, first.DeliveryIds.Count);
        var again = await Store.RecordEventAsync(Event("drift.alert:cam-0:mlp:3"));
        Assert.False(again.IsNew);
        Assert.Empty(again.DeliveryIds);

        Assert.Single(await Store.FleetEventsAsync("drift.alert"));
        var deliveries = await Store.WebhookDeliveriesAsync();
        Assert.Equal([all, drift], deliveries.Select(d => d.SubscriptionId).Order());
        Assert.All(deliveries, d => Assert.Equal((WebhookDeliveryStates.Pending, 0, "drift.alert", T0), (d.State, d.Attempts, d.Type, d.NextAttemptAt)));
        Assert.Empty(await Store.WebhookDeliveriesAsync(rounds));

        // A ping goes to the one subscription asked for, whatever its types.
        var ping = await Store.RecordEventAsync(Event("ping:1", "ping"), onlySubscription: rounds);
        Assert.Equal(rounds, (await Store.GetWebhookDeliveryAsync(ping.DeliveryIds.Single()))!.SubscriptionId);
    }

    [StoreFact]
    public async Task A_delivery_is_leased_to_one_worker_and_only_its_holder_logs_the_attempt()
    {
        await SubscribeAsync();
        string id = (await Store.RecordEventAsync(Event("e1"))).DeliveryIds.Single();
        FleetStore other = await OpenAsync();

        var claimed = await Store.ClaimWebhookDeliveriesAsync("a", T0, TimeSpan.FromMinutes(2), 10);
        Assert.Equal(id, claimed.Single().Delivery.DeliveryId);
        Assert.Equal("https://hooks.example/fleet", claimed[0].Url);
        Assert.Equal([1, 2, 3], claimed[0].SealedSecret);
        Assert.Contains("\"version\":1", claimed[0].Payload);
        Assert.Empty(await other.ClaimWebhookDeliveriesAsync("b", T0.AddMinutes(1), TimeSpan.FromMinutes(2), 10));

        var attempt = new WebhookAttemptRecord(id, 1, T0.AddSeconds(1), 503, "HTTP 503", 12);
        Assert.False(await other.CompleteWebhookAttemptAsync("b", attempt, WebhookDeliveryStates.Pending, T0.AddSeconds(11)));
        Assert.True(await Store.CompleteWebhookAttemptAsync("a", attempt, WebhookDeliveryStates.Pending, T0.AddSeconds(11)));
        Assert.Equal(attempt, (await Store.WebhookAttemptsAsync(id)).Single());

        // Not due before its next attempt; then any worker may take it.
        Assert.Empty(await other.ClaimWebhookDeliveriesAsync("b", T0.AddSeconds(10), TimeSpan.FromMinutes(2), 10));
        Assert.Single(await other.ClaimWebhookDeliveriesAsync("b", T0.AddSeconds(11), TimeSpan.FromMinutes(2), 10));

        // A lease that ran out (its worker died) goes to the next claimer.
        Assert.Single(await Store.ClaimWebhookDeliveriesAsync("a", T0.AddMinutes(5), TimeSpan.FromMinutes(2), 10));
        Assert.True(await Store.CompleteWebhookAttemptAsync("a", attempt with { Attempt = 2, At = T0.AddMinutes(5), StatusCode = null, Error = "timeout" }, WebhookDeliveryStates.Failed, T0.AddMinutes(5)));
        var failed = (await Store.WebhookDeliveriesAsync(failedOnly: true)).Single();
        Assert.Equal((2, (int?)null, "timeout", (DateTimeOffset?)T0.AddMinutes(5)), (failed.Attempts, failed.LastStatus, failed.LastError, failed.FinishedAt));
    }

    [StoreFact]
    public async Task Two_workers_claiming_together_never_get_the_same_delivery()
    {
        await SubscribeAsync();
        for (int i = 0; i < 20; i++)
        {
            await Store.RecordEventAsync(Event($"e{i}"));
        }

        FleetStore other = await OpenAsync();
        var claims = await Task.WhenAll(
            Enumerable.Range(0, 6).Select(w => (w % 2 == 0 ? Store : other).ClaimWebhookDeliveriesAsync($"w{w}", T0, TimeSpan.FromMinutes(2), 5)));
        var ids = claims.SelectMany(c => c.Select(w => w.Delivery.DeliveryId)).ToList();
        Assert.Equal(20, ids.Count);
        Assert.Equal(20, ids.Distinct().Count());
    }

    [StoreFact]
    public async Task Removing_a_subscription_cancels_its_pending_deliveries_and_keeps_the_log()
    {
        long id = await SubscribeAsync();
        string delivery = (await Store.RecordEventAsync(Event("e1"))).DeliveryIds.Single();
        Assert.True(await Store.RemoveWebhookAsync(id, T0.AddHours(1)));
        Assert.False(await Store.RemoveWebhookAsync(id, T0.AddHours(1)));
        Assert.Empty(await Store.WebhooksAsync());
        Assert.Equal(WebhookDeliveryStates.Cancelled, (await Store.GetWebhookDeliveryAsync(delivery))!.State);
        Assert.Empty(await Store.ClaimWebhookDeliveriesAsync("a", T0.AddHours(2), TimeSpan.FromMinutes(2), 10));
    }
}
