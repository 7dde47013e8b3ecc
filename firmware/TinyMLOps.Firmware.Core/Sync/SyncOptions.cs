namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>Whose sync loop this is and how it paces itself; the composition fills it from the device's configuration.</summary>
    public sealed class SyncOptions
    {
        public string DeviceId;
        public string Fleet;
        public int HeartbeatIntervalSeconds;
        public int AckTimeoutMillis;

        /// <summary>Published messages waiting for their ack at most.</summary>
        public int MaxInFlight;

        public int BackoffInitialMillis;
        public int BackoffMaxMillis;

        /// <summary>
        /// The key the host tags this device's downlinks with (<see cref="TinyMLOps.Shared.Protocol.EnvelopeKeys.Downlink"/>), or null
        /// for a device without a key, which takes every well-formed downlink as before.
        /// </summary>
        public byte[] DownlinkKey;
    }
}
