using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>The <see cref="DeviceMeter"/> in the sync loop: cuts the due receipts on every poll, and every counted range when the link comes up.</summary>
    public sealed class ReceiptReporter : ISyncPart
    {
        private readonly DeviceMeter _meter;
        private readonly IClock _clock;

        public ReceiptReporter(DeviceMeter meter, IClock clock)
        {
            _meter = meter;
            _clock = clock;
        }

        public void Connected()
        {
            // Usage counted so far goes up with this sync.
            _meter.Flush(_clock.UnixSeconds);
        }

        public void Poll(long nowMillis)
        {
            _meter.Poll(_clock.UnixSeconds);
        }
    }
}
