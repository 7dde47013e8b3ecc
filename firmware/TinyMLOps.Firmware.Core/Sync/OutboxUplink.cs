using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>The <see cref="IUplink"/> over the device's <see cref="Outbox"/>, stamping messages with the device clock.</summary>
    public sealed class OutboxUplink : IUplink
    {
        private readonly Outbox _outbox;
        private readonly IClock _clock;

        public OutboxUplink(Outbox outbox, IClock clock)
        {
            _outbox = outbox;
            _clock = clock;
        }

        public EnqueueResult Enqueue(int kind, byte[] payload, bool droppable)
        {
            return _outbox.Enqueue(kind, payload, _clock.UnixSeconds, droppable);
        }

        public int Withdraw(int kind)
        {
            return _outbox.Withdraw(kind);
        }
    }
}
