using System;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// IClock on the board: uptime from the runtime's monotonic tick counter, wall time from the RTC that SNTP
    /// (WifiNetworkHelper with requiresDateTime) sets.
    /// </summary>
    public sealed class DeviceClock : IClock
    {
        // An ESP32 boots with its RTC at 1970; anything before this year means SNTP has not set the clock yet.
        private const int FirstPlausibleYear = 2020;

        public long UptimeMillis
        {
            get { return Environment.TickCount64; }
        }

        public uint UnixSeconds
        {
            get
            {
                DateTime now = DateTime.UtcNow;
                if (now.Year < FirstPlausibleYear)
                {
                    return 0;
                }

                return (uint)now.ToUnixTimeSeconds();
            }
        }
    }
}
