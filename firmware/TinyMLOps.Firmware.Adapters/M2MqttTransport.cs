using System;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// ITransport over nanoFramework.M2Mqtt. One MqttClient per session (a new one on each Connect, since a closed
    /// client does not reopen); persistent session (clean session off) so the broker keeps the QoS 1 downlink while
    /// the device is away. Publishes wait for the broker's PUBACK; received messages wait in a bounded queue for
    /// Receive, and when it is full new ones are dropped and counted.
    /// </summary>
    public sealed class M2MqttTransport : ITransport
    {
        // How many recent PUBACK results are kept for the publisher to find; only one publish waits at a time.
        private const int AckSlots = 8;

        private readonly string _host;
        private readonly int _port;
        private readonly byte[] _caCertPem;
        private readonly string _clientId;
        private readonly string _username;
        private readonly string _password;
        private readonly ushort _keepAliveSeconds;
        private readonly int _timeoutMillis;
        private readonly ILog _log;

        private readonly object _sync = new object();
        private readonly object _publishLock = new object();
        private readonly AutoResetEvent _ackSignal = new AutoResetEvent(false);
        private readonly ushort[] _ackIds = new ushort[AckSlots];
        private readonly bool[] _ackPublished = new bool[AckSlots];
        private readonly bool[] _ackUsed = new bool[AckSlots];
        private int _ackNext;

        private readonly InboundMessage[] _queue;
        private int _queueHead;
        private int _queueCount;
        private int _dropped;

        private MqttClient _client;
        private bool _connected;

        /// <param name="host">Broker host name or address.</param>
        /// <param name="port">Broker port (8883 with TLS, 1883 without, as the deployment says).</param>
        /// <param name="caCertPem">The broker CA certificate as PEM bytes, which turns TLS 1.2 on; null for plain TCP.</param>
        /// <param name="deviceId">Becomes the MQTT client id, which the persistent session is keyed on.</param>
        /// <param name="username">The device's broker user name, or null.</param>
        /// <param name="password">The device's broker password, or null.</param>
        /// <param name="keepAliveSeconds">MQTT keep-alive period.</param>
        /// <param name="timeoutMillis">How long Publish waits for the PUBACK.</param>
        /// <param name="queueCapacity">How many received messages wait for Receive before new ones are dropped.</param>
        /// <param name="log">Where connection failures are reported.</param>
        public M2MqttTransport(string host, int port, byte[] caCertPem, string deviceId, string username, string password,
            int keepAliveSeconds, int timeoutMillis, int queueCapacity, ILog log)
        {
            if (queueCapacity < 1)
            {
                throw new ArgumentOutOfRangeException("queueCapacity", "the receive queue needs room for one message");
            }

            _host = host;
            _port = port;
            _caCertPem = caCertPem;
            _clientId = deviceId;
            _username = username;
            _password = password;
            _keepAliveSeconds = (ushort)keepAliveSeconds;
            _timeoutMillis = timeoutMillis;
            _queue = new InboundMessage[queueCapacity];
            _log = log;
        }

        public bool IsConnected
        {
            get
            {
                lock (_sync)
                {
                    return _connected && _client != null && _client.IsConnected;
                }
            }
        }

        /// <summary>Received messages dropped because the queue was full, since start.</summary>
        public int DroppedCount
        {
            get
            {
                lock (_sync)
                {
                    return _dropped;
                }
            }
        }

        public bool Connect()
        {
            if (IsConnected)
            {
                return true;
            }

            DropClient();
            MqttClient client = null;
            try
            {
                X509Certificate caCert = _caCertPem == null ? null : new X509Certificate(_caCertPem);
                bool secure = caCert != null;
                client = new MqttClient(_host, _port, secure, caCert, null, secure ? MqttSslProtocols.TLSv1_2 : MqttSslProtocols.None);
                client.MqttMsgPublishReceived += OnPublishReceived;
                client.MqttMsgPublished += OnPublished;
                client.ConnectionClosed += OnConnectionClosed;

                MqttReasonCode code = client.Connect(_clientId, _username, _password, false, _keepAliveSeconds);
                if (code != MqttReasonCode.Success)
                {
                    _log.Warn("MQTT connect to " + _host + " refused, reason code " + (int)code);
                    CloseQuietly(client);
                    return false;
                }
            }
            catch (Exception e)
            {
                // Socket, TLS and protocol failures all surface as exceptions; ITransport reports them as false.
                _log.Warn("MQTT connect to " + _host + " failed: " + e.Message);
                CloseQuietly(client);
                return false;
            }

            lock (_sync)
            {
                _client = client;
                _connected = true;
            }

            return true;
        }

        public void Disconnect()
        {
            MqttClient client;
            lock (_sync)
            {
                client = _client;
                _client = null;
                _connected = false;
            }

            if (client == null)
            {
                return;
            }

            try
            {
                client.Disconnect();
            }
            catch (Exception)
            {
                // Already gone; nothing to tell the broker.
            }

            CloseQuietly(client);
        }

        public bool Publish(string topic, byte[] payload)
        {
            MqttClient client = CurrentClient();
            if (client == null)
            {
                return false;
            }

            // One publish waits at a time, so an acknowledgement can only be for it or for one that timed out.
            lock (_publishLock)
            {
                ClearAcks();
                ushort messageId;
                try
                {
                    messageId = client.Publish(topic, payload, null, null, MqttQoSLevel.AtLeastOnce, false);
                }
                catch (Exception)
                {
                    return false;
                }

                return WaitForAck(messageId);
            }
        }

        public bool Subscribe(string topicFilter)
        {
            MqttClient client = CurrentClient();
            if (client == null)
            {
                return false;
            }

            try
            {
                // The SUBACK is not awaited (M2Mqtt reports it by event only); the persistent session keeps the
                // subscription across reconnects.
                client.Subscribe(new string[] { topicFilter }, new MqttQoSLevel[] { MqttQoSLevel.AtLeastOnce });
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public InboundMessage Receive()
        {
            lock (_sync)
            {
                if (_queueCount == 0)
                {
                    return null;
                }

                InboundMessage message = _queue[_queueHead];
                _queue[_queueHead] = null;
                _queueHead = (_queueHead + 1) % _queue.Length;
                _queueCount--;
                return message;
            }
        }

        private MqttClient CurrentClient()
        {
            lock (_sync)
            {
                return _connected && _client != null && _client.IsConnected ? _client : null;
            }
        }

        private void DropClient()
        {
            MqttClient client;
            lock (_sync)
            {
                client = _client;
                _client = null;
                _connected = false;
            }

            CloseQuietly(client);
        }

        private void CloseQuietly(MqttClient client)
        {
            if (client == null)
            {
                return;
            }

            try
            {
                client.MqttMsgPublishReceived -= OnPublishReceived;
                client.MqttMsgPublished -= OnPublished;
                client.ConnectionClosed -= OnConnectionClosed;
                client.Dispose();
            }
            catch (Exception)
            {
                // A half-open client may throw on the way out; it is discarded either way.
            }
        }

        private void ClearAcks()
        {
            lock (_sync)
            {
                for (int i = 0; i < AckSlots; i++)
                {
                    _ackUsed[i] = false;
                }
            }

            _ackSignal.Reset();
        }

        private bool WaitForAck(ushort messageId)
        {
            long deadline = Environment.TickCount64 + _timeoutMillis;
            while (true)
            {
                lock (_sync)
                {
                    for (int i = 0; i < AckSlots; i++)
                    {
                        if (_ackUsed[i] && _ackIds[i] == messageId)
                        {
                            return _ackPublished[i];
                        }
                    }

                    // A dropped connection will not bring the PUBACK; the caller publishes again after reconnecting.
                    if (!_connected)
                    {
                        return false;
                    }
                }

                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return false;
                }

                _ackSignal.WaitOne((int)remaining, false);
            }
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            // M2Mqtt's receive thread: PUBACK arrived (IsPublished) or the retries ran out (not IsPublished).
            lock (_sync)
            {
                _ackIds[_ackNext] = e.MessageId;
                _ackPublished[_ackNext] = e.IsPublished;
                _ackUsed[_ackNext] = true;
                _ackNext = (_ackNext + 1) % AckSlots;
            }

            _ackSignal.Set();
        }

        private void OnPublishReceived(object sender, MqttMsgPublishEventArgs e)
        {
            // M2Mqtt's receive thread; the message was already acknowledged to the broker, so a full queue loses it.
            InboundMessage message = new InboundMessage(e.Topic, e.Message);
            lock (_sync)
            {
                if (_queueCount == _queue.Length)
                {
                    _dropped++;
                    return;
                }

                _queue[(_queueHead + _queueCount) % _queue.Length] = message;
                _queueCount++;
            }
        }

        private void OnConnectionClosed(object sender, EventArgs e)
        {
            lock (_sync)
            {
                if (sender == _client)
                {
                    _connected = false;
                }
            }

            // Wakes a publisher waiting for a PUBACK that will not come on this connection.
            _ackSignal.Set();
        }
    }
}
