using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace TinyMLOps.Fleet.Hosting;

/// <summary>
/// The worker's MQTT 5 session: persistent (clean start off, one-day expiry) so QoS 1 uplink that arrived
/// while the worker was down, or that it received but never acknowledged, is delivered again. Messages
/// are acknowledged to the broker by the ingest pipeline only after the store has them.
/// </summary>
public sealed class MqttConnection : IAsyncDisposable
{
    private readonly SyncOptions _options;
    private readonly ILogger _log;
    private readonly IMqttClient _client;
    private readonly string _filter;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private Task? _watchdog;

    public MqttConnection(SyncOptions options, ILogger log, Func<MqttApplicationMessageReceivedEventArgs, Task> onMessage)
    {
        _options = options;
        _log = log;
        _client = new MqttClientFactory().CreateMqttClient();
        _filter = options.SharedSubscription ? Shared.Protocol.Topics.SharedUpFilter(options.Fleet) : Shared.Protocol.Topics.UpFilter(options.Fleet);
        _client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            return onMessage(e);
        };
    }

    public bool IsConnected => _client.IsConnected;

    public long Reconnects { get; private set; }

    /// <summary>Connects, or, when the broker is not reachable yet, leaves it to the watchdog, which retries with backoff.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _log.LogWarning("Broker at {Host}:{Port} not reachable at start ({Error}); retrying in the background", _options.BrokerHost, _options.BrokerPort, e.Message);
        }

        _watchdog = Task.Run(() => WatchAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Publishes at QoS 1; false when the broker did not take it (the caller retries or gives up).</summary>
    public Task<bool> PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken) =>
        PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);

    /// <summary>
    /// Publishes at QoS 0: for application acks, which are idempotent and need no queueing, because a
    /// device resends its unacked entries after every reconnect anyway and gets them acked again.
    /// </summary>
    public Task<bool> PublishAtMostOnceAsync(string topic, byte[] payload, CancellationToken cancellationToken) =>
        PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtMostOnce, cancellationToken);

    private async Task<bool> PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            return false;
        }

        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(qos)
                .Build();
            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            return result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers;
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Drops the connection so the broker redelivers what was not acknowledged; the watchdog reconnects.</summary>
    public async Task ResetAsync()
    {
        try
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.UnspecifiedError).Build()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            _log.LogDebug(e, "disconnect after a store failure");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_watchdog != null)
        {
            await _watchdog.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
            {
                _log.LogDebug(e, "disconnect at shutdown");
            }
        }

        _client.Dispose();
        _stop.Dispose();
        _connectLock.Dispose();
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_client.IsConnected)
            {
                delay = TimeSpan.FromMilliseconds(250);
                continue;
            }

            try
            {
                await ConnectAsync(cancellationToken).ConfigureAwait(false);
                Reconnects++;
                _log.LogInformation("Reconnected to the broker at {Host}:{Port} as {Worker}", _options.BrokerHost, _options.BrokerPort, _options.WorkerId);
                delay = TimeSpan.FromMilliseconds(250);
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException or TimeoutException)
            {
                delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
                _log.LogWarning("Broker at {Host}:{Port} unreachable ({Error}); retrying in {Delay} ms", _options.BrokerHost, _options.BrokerPort, e.Message, (int)delay.TotalMilliseconds);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer(_options.BrokerHost, _options.BrokerPort)
                .WithClientId(_options.WorkerId)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithCleanStart(false)
                .WithSessionExpiryInterval(86400)
                .WithReceiveMaximum(2048)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
                .WithTimeout(TimeSpan.FromSeconds(10));
            if (_options.Username != null || _options.Password != null)
            {
                builder.WithCredentials(_options.Username ?? _options.WorkerId, _options.Password ?? "");
            }

            if (_options.UseTls)
            {
                builder.WithTlsOptions(tls =>
                {
                    tls.UseTls();
                    if (_options.CaCertificatePath != null)
                    {
                        var ca = X509Certificate2.CreateFromPemFile(_options.CaCertificatePath);
                        tls.WithTrustChain([ca]);
                    }
                });
            }

            var result = await _client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            // A resumed session keeps its subscription; subscribing again is harmless and covers a new one.
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(_filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .Build();
            await _client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
