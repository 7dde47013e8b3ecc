namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>Where signed receipts go (the outbox). Refusing is allowed: the receipt is offered again later.</summary>
    public interface IReceiptSink
    {
        /// <summary>True when the receipt is durably queued; false when there is no room now.</summary>
        bool Offer(byte[] receiptEncoding);
    }
}
