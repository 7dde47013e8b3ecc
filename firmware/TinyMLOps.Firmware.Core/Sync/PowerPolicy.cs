using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>
    /// When the radio and heavy work may run. External power or an absent gauge (nothing to protect, or
    /// nothing to go by) always allow; on battery the level must reach the threshold.
    /// </summary>
    public sealed class PowerPolicy
    {
        public const int DefaultMinBatteryPercent = 20;
        public const int DefaultHeavyWorkMinBatteryPercent = 50;

        public PowerPolicy()
            : this(DefaultMinBatteryPercent, DefaultHeavyWorkMinBatteryPercent)
        {
        }

        public PowerPolicy(int minBatteryPercent, int heavyWorkMinBatteryPercent)
        {
            MinBatteryPercent = minBatteryPercent;
            HeavyWorkMinBatteryPercent = heavyWorkMinBatteryPercent;
        }

        public int MinBatteryPercent { get; private set; }

        public int HeavyWorkMinBatteryPercent { get; private set; }

        public bool MaySync(IPower power)
        {
            return Allows(power.Source, power.BatteryPercent, MinBatteryPercent);
        }

        /// <summary>Training, model swaps, large uploads.</summary>
        public bool MayDoHeavyWork(IPower power)
        {
            return Allows(power.Source, power.BatteryPercent, HeavyWorkMinBatteryPercent);
        }

        private static bool Allows(int source, int battery, int threshold)
        {
            return source == PowerSource.External || battery < 0 || battery >= threshold;
        }
    }
}
