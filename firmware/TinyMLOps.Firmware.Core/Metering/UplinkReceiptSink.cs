using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>Queues receipts through the uplink as never-droppable usage-receipt messages.</summary>
    public sealed class UplinkReceiptSink : IReceiptSink
    {
        private readonly IUplink _uplink;

        public UplinkReceiptSink(IUplink uplink)
        {
            _uplink = uplink;
        }

        public bool Offer(byte[] receiptEncoding)
        {
            return _uplink.Enqueue(MessageKind.UsageReceipt, receiptEncoding, false).Accepted;
        }
    }
}
