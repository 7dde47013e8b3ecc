namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// The way up for the device's parts (receipts, health and drift windows, variant reports, consent): messages go
    /// into the outbox, which only the <see cref="DeviceAgent"/> publishes.
    /// </summary>
    public interface IUplink
    {
        /// <summary>Queues a message stamped with the device clock; a droppable one may later be evicted for room.</summary>
        EnqueueResult Enqueue(int kind, byte[] payload, bool droppable);

        /// <summary>Takes back every queued message of a kind before it is sent; returns how many.</summary>
        int Withdraw(int kind);
    }
}
