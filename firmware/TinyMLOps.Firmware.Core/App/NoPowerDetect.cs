using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>The power of a board whose profile has no power-detect pin: unknown source, no gauge. Sync is always allowed and the board never sleeps.</summary>
    public sealed class NoPowerDetect : IPower
    {
        public int Source
        {
            get { return PowerSource.Unknown; }
        }

        public int BatteryPercent
        {
            get { return -1; }
        }
    }
}
