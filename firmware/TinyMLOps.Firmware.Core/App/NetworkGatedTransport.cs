using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// An MQTT transport behind the board's network link: a connect first brings the link up (so the agent's backoff
    /// paces Wi-Fi reconnects too), and a link that went down counts as a lost connection at once.
    /// </summary>
    public sealed class NetworkGatedTransport : ITransport
    {
        private readonly INetwork _network;
        private readonly ITransport _inner;

        public NetworkGatedTransport(INetwork network, ITransport inner)
        {
            _network = network;
            _inner = inner;
        }

        public bool IsConnected
        {
            get { return _network.IsUp && _inner.IsConnected; }
        }

        public bool Connect()
        {
            return _network.EnsureUp() && _inner.Connect();
        }

        public void Disconnect()
        {
            _inner.Disconnect();
        }

        public bool Publish(string topic, byte[] payload)
        {
            return _inner.Publish(topic, payload);
        }

        public bool Subscribe(string topicFilter)
        {
            return _inner.Subscribe(topicFilter);
        }

        public InboundMessage Receive()
        {
            return _inner.Receive();
        }
    }
}
