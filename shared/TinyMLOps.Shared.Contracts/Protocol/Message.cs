namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// One decoded envelope: who sent it, its per-device sequence number and its kind-specific payload
    /// (decode it with the payload class of <see cref="Kind"/>). Sequence numbers start at 1 and grow
    /// by one per message a device enqueues, across reboots; the host deduplicates on (device, sequence).
    /// Downlink messages carry the host's own sequence for that device.
    /// </summary>
    public sealed class Message
    {
        public Message(int kind, string deviceId, uint sequence, uint timestamp, byte[] payload)
            : this(kind, deviceId, sequence, timestamp, payload, false)
        {
        }

        internal Message(int kind, string deviceId, uint sequence, uint timestamp, byte[] payload, bool authenticated)
        {
            Authenticated = authenticated;
            Kind = kind;
            DeviceId = deviceId;
            Sequence = sequence;
            Timestamp = timestamp;
            Payload = payload == null ? new byte[0] : payload;
        }

        public int Version
        {
            get { return WireCodec.Version; }
        }

        public int Kind { get; private set; }

        public string DeviceId { get; private set; }

        public uint Sequence { get; private set; }

        /// <summary>Sender's clock in Unix seconds when the message was made, or 0 when the clock is not set.</summary>
        public uint Timestamp { get; private set; }

        public byte[] Payload { get; private set; }

        /// <summary>Decoded with the authenticated flag: a tag follows the payload (check it with <see cref="WireCodec.Verify"/>).</summary>
        public bool Authenticated { get; private set; }
    }
}
