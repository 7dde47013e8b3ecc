using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A virtual board's MQTT link over MQTTnet, with the blocking shape of the board's M2Mqtt adapter:
/// MQTT 3.1.1, persistent session, QoS 1, calls bounded by a timeout. <see cref="LinkUp"/> models the
/// board's radio: while false, connecting fails and an open connection is dropped.
/// </summary>
public sealed class MqttNetTransport : ITransport, IDisposable
{
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private readonly ConcurrentQueue<InboundMessage> _inbox = new();
    private readonly TimeSpan _timeout;
    private volatile bool _linkUp = true;

    public MqttNetTransport(string brokerHost, int brokerPort, string clientId, string? username = null, string? password = null, TimeSpan? timeout = null)
    {
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
        _client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(brokerHost, brokerPort)
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(_timeout);
        if (username != null)
        {
            builder.WithCredentials(username, password ?? "");
        }

        _options = builder.Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            byte[] body = e.ApplicationMessage.Payload.ToArray();
            WireBytesIn += PublishPacketBytes(e.ApplicationMessage.Topic, body.Length) + PubAckBytes;
            _inbox.Enqueue(new InboundMessage(e.ApplicationMessage.Topic, body));
            return Task.CompletedTask;
        };
    }

    /// <summary>The simulated radio link; false makes the board offline.</summary>
    public bool LinkUp
    {
        get => _linkUp;
        set
        {
            _linkUp = value;
            if (!value)
            {
                Disconnect();
            }
        }
    }

    public bool IsConnected => _linkUp && _client.IsConnected;

    public long Publishes { get; private set; }

    public long PublishedBytes { get; private set; }

    /// <summary>Bytes on the wire for QoS 1 publishes both ways: PUBLISH packets plus their PUBACKs (MQTT 3.1.1 framing).</summary>
    public long WireBytesOut { get; private set; }

    public long WireBytesIn { get; private set; }

    /// <summary>Called with every message the broker accepted (tests use it to know what a board sent).</summary>
    public Action<string, byte[]>? Published { get; set; }

    public bool Connect()
    {
        if (!_linkUp)
        {
            return false;
        }

        try
        {
            using var cts = new CancellationTokenSource(_timeout);
            var result = _client.ConnectAsync(_options, cts.Token).GetAwaiter().GetResult();
            return result.ResultCode == MqttClientConnectResultCode.Success;
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public void Disconnect()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            _client.DisconnectAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    public bool Publish(string topic, byte[] payload)
    {
        if (!IsConnected)
        {
            return false;
        }

        try
        {
            using var cts = new CancellationTokenSource(_timeout);
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            var result = _client.PublishAsync(message, cts.Token).GetAwaiter().GetResult();
            Publishes++;
            PublishedBytes += payload.Length;
            WireBytesOut += PublishPacketBytes(topic, payload.Length) + PubAckBytes;
            if (result.IsSuccess)
            {
                Published?.Invoke(topic, payload);
            }

            return result.IsSuccess;
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public bool Subscribe(string topicFilter)
    {
        if (!IsConnected)
        {
            return false;
        }

        try
        {
            using var cts = new CancellationTokenSource(_timeout);
            _client.SubscribeAsync(topicFilter, MqttQualityOfServiceLevel.AtLeastOnce, cts.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public InboundMessage? Receive() => _inbox.TryDequeue(out var m) ? m : null;

    /// <summary>Forgets received messages not yet taken, as a reboot loses the adapter's RAM queue.</summary>
    public void ClearReceived() => _inbox.Clear();

    /// <summary>PUBACK: fixed header (2) and packet id (2).</summary>
    public const int PubAckBytes = 4;

    /// <summary>A QoS 1 PUBLISH: fixed header (1 + remaining-length varint), topic (2 + UTF-8), packet id (2), payload.</summary>
    public static int PublishPacketBytes(string topic, int payloadLength)
    {
        int remaining = 2 + System.Text.Encoding.UTF8.GetByteCount(topic) + 2 + payloadLength;
        int varint = remaining < 128 ? 1 : remaining < 16384 ? 2 : remaining < 2097152 ? 3 : 4;
        return 1 + varint + remaining;
    }

    public void Dispose()
    {
        Disconnect();
        _client.Dispose();
    }
}
