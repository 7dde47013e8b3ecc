using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>Queues receipts in the agent's outbox as never-droppable usage-receipt messages.</summary>
    public sealed class AgentReceiptSink : IReceiptSink
    {
        private readonly DeviceAgent _agent;

        public AgentReceiptSink(DeviceAgent agent)
        {
            _agent = agent;
        }

        public bool Offer(byte[] receiptEncoding)
        {
            return _agent.Enqueue(MessageKind.UsageReceipt, receiptEncoding, false).Accepted;
        }
    }
}
