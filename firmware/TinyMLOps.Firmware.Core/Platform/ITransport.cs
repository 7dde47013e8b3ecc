namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>
    /// The device's MQTT connection (M2Mqtt on a board, MQTTnet on a virtual one). Calls block at most for
    /// the adapter's timeout; nothing here throws for network failures, they return false.
    /// </summary>
    public interface ITransport
    {
        bool IsConnected { get; }

        /// <summary>Opens the session (clean session off, so the broker keeps the device's QoS 1 downlink).</summary>
        bool Connect();

        void Disconnect();

        /// <summary>Publishes at QoS 1 and waits for the broker's PUBACK; false when not delivered to the broker.</summary>
        bool Publish(string topic, byte[] payload);

        bool Subscribe(string topicFilter);

        /// <summary>The oldest received downlink message not yet taken, or null. Adapters queue from their receive thread.</summary>
        InboundMessage Receive();
    }
}
