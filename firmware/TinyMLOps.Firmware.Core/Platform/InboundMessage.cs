namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>A message the transport received on a subscribed topic.</summary>
    public sealed class InboundMessage
    {
        public InboundMessage(string topic, byte[] payload)
        {
            Topic = topic;
            Payload = payload;
        }

        public string Topic { get; private set; }

        public byte[] Payload { get; private set; }
    }
}
