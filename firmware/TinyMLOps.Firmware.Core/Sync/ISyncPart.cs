namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// A part of the device the agent steps on every poll, in the order the composition gives, after the downlink and
    /// before the heartbeat and the publishing; it queues what it has through its <see cref="IUplink"/>.
    /// </summary>
    public interface ISyncPart
    {
        /// <summary>The link just came up (the hello is queued): queue what should go up with this sync.</summary>
        void Connected();

        /// <summary>One poll: queue what is due.</summary>
        void Poll(long nowMillis);
    }
}
