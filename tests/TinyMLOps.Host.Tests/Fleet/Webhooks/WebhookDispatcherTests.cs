using System.Text.Json;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;

namespace TinyMLOps.Host.Tests.Fleet.Webhooks;

/// <summary>The dispatcher against receivers on a real HTTP listener, over a SQLite store; backoff shortened to milliseconds.</summary>
public sealed class WebhookDispatcherTests : IAsyncLifetime
{
    private static readonly DeviceKeys Keys = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    private static readonly WebhookDispatcherOptions Fast = new()
    {
        Backoff = [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40)],
        MaxAttempts = 4,
        PollInterval = TimeSpan.FromMilliseconds(10),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tinymlops-webhooks-");
    private IFleetStore _store = null!;

    public async Task InitializeAsync() => _store = await FleetStoreFactory.OpenAsync(null, Path.Combine(_dir.FullName, "fleet.db"));

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task A_receiver_gets_the_event_signed_with_its_secret_and_the_versioned_payload()
    {
        var (id, secret, receiver) = await SubscribeAsync("drift.alert");
        await using var _ = receiver;
        await PublishAsync();
        await PublishAsync(FleetEventTypes.RoundReleased, "round.released:r1"); // not subscribed

        using var dispatcher = new WebhookDispatcher(_store, Keys, Fast);
        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        var hook = Assert.Single(receiver.Received);
        Assert.True(hook.Verified);
        Assert.Equal("drift.alert", hook.Event);
        Assert.Equal(WebhookSignature.Sign(secret, long.Parse(hook.Timestamp, System.Globalization.CultureInfo.InvariantCulture), hook.Body), hook.Signature);
        using var json = JsonDocument.Parse(hook.Body);
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal("drift.alert", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("cam-\"0\"\n", json.RootElement.GetProperty("data").GetProperty("deviceId").GetString());
        var delivery = (await _store.WebhookDeliveriesAsync(id)).Single();
        Assert.Equal((hook.Delivery, WebhookDeliveryStates.Delivered, 1, (int?)204), (delivery.DeliveryId, delivery.State, delivery.Attempts, delivery.LastStatus));
        Assert.Equal(json.RootElement.GetProperty("id").GetString(), delivery.EventId);
    }

    [Fact]
    public async Task A_wrong_secret_fails_verification_and_a_stale_timestamp_is_refused_as_a_replay()
    {
        var (_, secret, receiver) = await SubscribeAsync();
        await using var __ = receiver;
        await PublishAsync();
        using var dispatcher = new WebhookDispatcher(_store, Keys, Fast);
        await dispatcher.DispatchDueAsync();
        var hook = Assert.Single(receiver.Received);
        Assert.True(hook.Verified);

        var now = DateTimeOffset.UtcNow;
        Assert.False(WebhookSignature.Verify(WebhookSecrets.NewSecret(), hook.Timestamp, hook.Signature, hook.Body, now, WebhookSignature.DefaultTolerance));
        Assert.False(WebhookSignature.Verify(secret, hook.Timestamp, hook.Signature, hook.Body + " ", now, WebhookSignature.DefaultTolerance));
        Assert.False(WebhookSignature.Verify(secret, hook.Timestamp, hook.Signature, hook.Body, now.AddMinutes(6), WebhookSignature.DefaultTolerance));
        Assert.True(WebhookSignature.Verify(secret, hook.Timestamp, hook.Signature, hook.Body, now.AddMinutes(4), WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public async Task A_receiver_that_fails_twice_gets_one_delivery_in_three_logged_attempts_with_the_same_delivery_id()
    {
        var (id, _, receiver) = await SubscribeAsync(answer: n => n <= 2 ? 503 : 200);
        await using var __ = receiver;
        await PublishAsync();

        using var dispatcher = new WebhookDispatcher(_store, Keys, Fast);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = dispatcher.RunAsync(stop.Token);
        await WaitAsync(async () => (await _store.WebhookDeliveriesAsync(id)).Single().State == WebhookDeliveryStates.Delivered, stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var delivery = (await _store.WebhookDeliveriesAsync(id)).Single();
        var attempts = await _store.WebhookAttemptsAsync(delivery.DeliveryId);
        Assert.Equal([503, 503, 200], attempts.Select(a => a.StatusCode ?? 0));
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.All(attempts, a => Assert.InRange(a.DurationMs, 0, 5_000));
        Assert.Equal(3, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(h => h.Delivery).Distinct());
        Assert.Equal(delivery.DeliveryId, receiver.Received.First().Delivery);

        // The waits grew: the second gap is the second backoff step (40 ms ± 20 %) or more.
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(32), $"{attempts[2].At - attempts[1].At}");
    }

    [Fact]
    public async Task A_restarted_dispatcher_resumes_a_delivery_mid_retry_from_the_store()
    {
        var (id, _, receiver) = await SubscribeAsync(answer: n => n == 1 ? 500 : 202);
        await using var __ = receiver;
        await PublishAsync();

        using (var first = new WebhookDispatcher(_store, Keys, Fast with { Backoff = [TimeSpan.FromMilliseconds(300)] }))
        {
            Assert.Equal(1, await first.DispatchDueAsync());
            Assert.Equal(0, await first.DispatchDueAsync()); // not due yet
        }

        // A new process: a fresh store connection and dispatcher.
        await _store.DisposeAsync();
        _store = await FleetStoreFactory.OpenAsync(null, Path.Combine(_dir.FullName, "fleet.db"));
        var pending = (await _store.WebhookDeliveriesAsync(id)).Single();
        Assert.Equal((WebhookDeliveryStates.Pending, 1, (int?)500, "HTTP 500"), (pending.State, pending.Attempts, pending.LastStatus, pending.LastError));

        using var second = new WebhookDispatcher(_store, Keys, Fast);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await WaitAsync(async () => await second.DispatchDueAsync(stop.Token) == 1, stop.Token);
        var done = (await _store.WebhookDeliveriesAsync(id)).Single();
        Assert.Equal((WebhookDeliveryStates.Delivered, 2, (int?)202), (done.State, done.Attempts, done.LastStatus));
        Assert.Equal([500, 202], receiver.Received.Select(h => h.Answered));
    }

    [Fact]
    public async Task A_delivery_is_given_up_after_the_last_attempt_and_a_redirect_is_never_followed()
    {
        var (id, _, receiver) = await SubscribeAsync(answer: _ => 302);
        await using var __ = receiver;
        await PublishAsync();

        using var dispatcher = new WebhookDispatcher(_store, Keys, Fast with { MaxAttempts = 2 });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await WaitAsync(async () => { await dispatcher.DispatchDueAsync(stop.Token); return (await _store.WebhookDeliveriesAsync(id, failedOnly: true)).Count == 1; }, stop.Token);

        var failed = (await _store.WebhookDeliveriesAsync(id)).Single();
        Assert.Equal((WebhookDeliveryStates.Failed, 2, (int?)302), (failed.State, failed.Attempts, failed.LastStatus));
        Assert.Contains("not followed", failed.LastError);
        Assert.Equal(2, receiver.Received.Count); // both to our receiver, none to the redirect target
    }

    [Fact]
    public async Task A_ping_from_webhook_test_is_posted_at_once_to_that_subscription_only()
    {
        var (id, _, receiver) = await SubscribeAsync("round.released");
        await using var __ = receiver;
        var (otherId, _, other) = await SubscribeAsync();
        await using var ___ = other;

        string delivery = await new WebhookSubscriptions(_store, Keys).PingAsync(id);
        using var dispatcher = new WebhookDispatcher(_store, Keys, Fast);
        Assert.True(await dispatcher.DispatchOneAsync(delivery));
        Assert.Equal(("ping", true), (receiver.Received.Single().Event, receiver.Received.Single().Verified));
        Assert.Empty(other.Received);
        Assert.Empty(await _store.WebhookDeliveriesAsync(otherId));
    }

    [Fact]
    public void The_signature_matches_the_python_receiver_of_the_docs()
    {
        // hmac.new(b"whsec-test", b'1767300000.{"version":1}', hashlib.sha256).hexdigest(), as docs/observability.md verifies it.
        const string Body = "{\"version\":1}";
        Assert.Equal("v1=7090b5b5b9709847e176c3d38172b984bb383be5006bbda920c74561ef55e83f", WebhookSignature.Sign("whsec-test", 1_767_300_000, Body));
        Assert.True(WebhookSignature.Verify("whsec-test", "1767300000", "v1=7090b5b5b9709847e176c3d38172b984bb383be5006bbda920c74561ef55e83f", Body, DateTimeOffset.FromUnixTimeSeconds(1_767_300_100), WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public async Task A_secret_is_stored_sealed_and_opens_only_under_the_same_master_key_and_url()
    {
        var (subscription, secret) = await new WebhookSubscriptions(_store, Keys).AddAsync("https://hooks.example/a", null);
        var stored = (await _store.GetWebhookAsync(subscription.SubscriptionId))!;
        Assert.Equal("*", stored.Events);
        Assert.Equal(43, secret.Length); // 32 bytes, base64url without padding
        Assert.Equal(-1, stored.SealedSecret.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)));
        Assert.Equal(-1, stored.SealedSecret.AsSpan().IndexOf(Convert.FromBase64String(secret.Replace('-', '+').Replace('_', '/') + "=")));
        Assert.Equal(secret, new WebhookSecrets(Keys).Open(stored.SealedSecret, stored.Url));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new WebhookSecrets(Keys).Open(stored.SealedSecret, "https://evil.example/a"));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new WebhookSecrets(new DeviceKeys(new byte[32])).Open(stored.SealedSecret, stored.Url));

        var e = await Assert.ThrowsAsync<ArgumentException>(() => new WebhookSubscriptions(_store, Keys).AddAsync("ftp://hooks.example/a", null));
        Assert.Equal("a webhook posts to http:// or https:// URLs, not ftp://", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => new WebhookSubscriptions(_store, Keys).AddAsync("https://hooks.example/a", "drift.alert,nope"));
    }

    private async Task<(long Id, string Secret, WebhookReceiver Receiver)> SubscribeAsync(string? events = null, Func<int, int>? answer = null)
    {
        var receiver = new WebhookReceiver(answer);
        var (subscription, secret) = await new WebhookSubscriptions(_store, Keys).AddAsync(receiver.Url, events);
        receiver.Secret = secret;
        return (subscription.SubscriptionId, secret, receiver);
    }

    private Task PublishAsync(string type = FleetEventTypes.DriftAlert, string key = "drift.alert:cam-0:mlp:1") =>
        new StoreFleetEvents(_store).PublishAsync(new FleetEvent(type, key, DateTimeOffset.UtcNow, new { deviceId = "cam-\"0\"\n" }));

    private static async Task WaitAsync(Func<Task<bool>> done, CancellationToken cancellationToken)
    {
        while (!await done())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
