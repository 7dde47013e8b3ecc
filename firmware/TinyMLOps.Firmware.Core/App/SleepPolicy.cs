using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// When a battery-powered board goes to deep sleep: after it has been awake for the sync window and has nothing
    /// left to sync (or the power policy keeps the radio off anyway), and at the latest after twice the window, so an
    /// unreachable broker does not drain the battery. On external power, or with an unknown power source (no
    /// power-detect pin), or with sleep.seconds 0, it never sleeps.
    /// </summary>
    public sealed class SleepPolicy
    {
        public SleepPolicy(int sleepSeconds, int syncWindowSeconds)
        {
            SleepSeconds = sleepSeconds;
            SyncWindowSeconds = syncWindowSeconds;
        }

        /// <summary>How long one sleep lasts; 0 disables sleeping.</summary>
        public int SleepSeconds { get; private set; }

        /// <summary>How long the board stays awake after a wake-up (or boot) at least.</summary>
        public int SyncWindowSeconds { get; private set; }

        /// <param name="powerSource">A <see cref="PowerSource"/> value.</param>
        /// <param name="awakeMillis">Time since the board woke up (a deep-sleep wake-up is a boot).</param>
        /// <param name="syncSettled">True when nothing is left to sync: connected with an empty outbox and no download under way, or sync is off for the battery.</param>
        public bool ShouldSleep(int powerSource, long awakeMillis, bool syncSettled)
        {
            if (SleepSeconds <= 0 || powerSource != PowerSource.Battery)
            {
                return false;
            }

            long window = SyncWindowSeconds * 1000L;
            if (awakeMillis < window)
            {
                return false;
            }

            return syncSettled || awakeMillis >= 2 * window;
        }
    }
}
