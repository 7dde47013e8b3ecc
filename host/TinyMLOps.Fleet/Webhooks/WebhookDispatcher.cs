using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Webhooks;

/// <summary>
/// Posts the outbox's pending deliveries: claims a batch under a lease (so two host workers sharing PostgreSQL never
/// post the same delivery at once), posts each signed with its subscription's secret, logs the attempt and moves the
/// delivery on: 2xx delivered, anything else retried with jittered exponential backoff until
/// <see cref="WebhookDispatcherOptions.MaxAttempts"/>, then failed. Everything lives in the store, so a restart
/// resumes where the last run stopped; a delivery keeps its id (X-TinyMLOps-Delivery) across retries so receivers
/// can drop duplicates (a crash after the post but before the log gives one). Redirects are never followed.
/// </summary>
public sealed class WebhookDispatcher : IDisposable
{
    private readonly IFleetStore _store;
    private readonly WebhookSecrets _secrets;
    private readonly WebhookDispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly HttpClient _http;

    public WebhookDispatcher(IFleetStore store, DeviceKeys keys, WebhookDispatcherOptions? options = null, string? workerId = null, TimeProvider? time = null, ILogger? log = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _secrets = new WebhookSecrets(keys);
        _options = options ?? new WebhookDispatcherOptions();
        _time = time ?? TimeProvider.System;
        _log = log ?? NullLogger.Instance;
        Owner = $"{workerId ?? Environment.MachineName}/{Guid.NewGuid():N}";
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = _options.Timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("TinyMLOps-Webhooks", "1"));
    }

    /// <summary>This dispatcher's lease owner name.</summary>
    public string Owner { get; }

    /// <summary>Polls and posts until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            int sent = 0;
            try
            {
                sent = await DispatchDueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogWarning(e, "Webhook dispatch failed; trying again in {Interval}", _options.PollInterval);
            }

            if (sent == 0)
            {
                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claims the deliveries due now and posts them, one attempt each; returns how many it attempted.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken = default)
    {
        var work = await _store.ClaimWebhookDeliveriesAsync(Owner, _time.GetUtcNow(), _options.Lease, _options.BatchSize, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(work.Select(w => AttemptAsync(w, cancellationToken))).ConfigureAwait(false);
        return work.Count;
    }

    /// <summary>One attempt of one delivery now, if it is pending, due and not leased (`webhook test`); false when it was not.</summary>
    public async Task<bool> DispatchOneAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        var work = await _store.ClaimWebhookDeliveriesAsync(Owner, _time.GetUtcNow(), _options.Lease, 1, deliveryId, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(work.Select(w => AttemptAsync(w, cancellationToken))).ConfigureAwait(false);
        return work.Count == 1;
    }

    public void Dispose() => _http.Dispose();

    private async Task AttemptAsync(WebhookWork work, CancellationToken cancellationToken)
    {
        var delivery = work.Delivery;
        int attempt = delivery.Attempts + 1;
        var started = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        int? status = null;
        string error;
        try
        {
            string secret = _secrets.Open(work.SealedSecret, work.Url);
            (status, error) = await PostAsync(work, secret, started, cancellationToken).ConfigureAwait(false);
        }
        catch (CryptographicException)
        {
            error = "the subscription's secret does not open under this master key and URL";
        }
        catch (HttpRequestException e)
        {
            error = OneLine(e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"no response within {_options.Timeout.TotalSeconds:0} s";
        }

        clock.Stop();
        bool ok = status is >= 200 and < 300;
        string state = ok ? WebhookDeliveryStates.Delivered : attempt >= _options.MaxAttempts ? WebhookDeliveryStates.Failed : WebhookDeliveryStates.Pending;
        var now = _time.GetUtcNow();
        var next = state == WebhookDeliveryStates.Pending ? now + _options.Delay(attempt, Random.Shared.NextDouble()) : now;
        var record = new WebhookAttemptRecord(delivery.DeliveryId, attempt, started, status, error, clock.ElapsedMilliseconds);
        if (!await _store.CompleteWebhookAttemptAsync(Owner, record, state, next, cancellationToken).ConfigureAwait(false))
        {
            _log.LogWarning("Webhook delivery {Delivery}: the lease ran out before attempt {Attempt} was logged", delivery.DeliveryId, attempt);
            return;
        }

        if (!ok)
        {
            _log.LogInformation("Webhook delivery {Delivery} ({Type}) to subscription {Subscription}, attempt {Attempt}: {Error}; {State}", delivery.DeliveryId, delivery.Type, delivery.SubscriptionId, attempt, error, state == WebhookDeliveryStates.Failed ? "given up" : $"next at {next:u}");
        }
    }

    private async Task<(int Status, string Error)> PostAsync(WebhookWork work, string secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, work.Url)
        {
            Content = new StringContent(work.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.EventHeader, work.Delivery.Type);
        request.Headers.Add(WebhookSignature.DeliveryHeader, work.Delivery.DeliveryId);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secret, timestamp, work.Payload));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return (status, string.Empty);
        }

        if (status is >= 300 and < 400)
        {
            return (status, $"redirect to {response.Headers.Location} not followed; subscribe the final URL");
        }

        return (status, $"HTTP {status}: {OneLine(await ReadCappedAsync(response, cancellationToken).ConfigureAwait(false))}".TrimEnd(' ', ':'));
    }

    /// <summary>At most <see cref="WebhookDispatcherOptions.MaxResponseBytes"/> of the body, for the log; the rest is never read.</summary>
    private async Task<string> ReadCappedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[_options.MaxResponseBytes];
        int filled = 0;
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        while (filled < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        string text = Encoding.UTF8.GetString(buffer, 0, filled);
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
