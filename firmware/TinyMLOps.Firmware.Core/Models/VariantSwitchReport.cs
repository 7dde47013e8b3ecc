using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// The last model-role switch, kept until the <see cref="VariantManager"/> turns it into a variant-switch message
    /// for the next sync. Roles are plugged or battery, the power source a <see cref="PowerSource"/> value.
    /// </summary>
    public sealed class VariantSwitchReport
    {
        public VariantSwitchReport(ModelRole fromRole, ModelRole toRole, long atUptimeMillis, int powerSource, int batteryPercent, int totalSwitches, int unreportedSwitches)
        {
            FromRole = fromRole;
            ToRole = toRole;
            AtUptimeMillis = atUptimeMillis;
            PowerSource = powerSource;
            BatteryPercent = batteryPercent;
            TotalSwitches = totalSwitches;
            UnreportedSwitches = unreportedSwitches;
        }

        public ModelRole FromRole { get; private set; }

        public ModelRole ToRole { get; private set; }

        /// <summary>Device uptime when the switch happened.</summary>
        public long AtUptimeMillis { get; private set; }

        /// <summary>The power source seen at the switch.</summary>
        public int PowerSource { get; private set; }

        /// <summary>The battery level seen at the switch, or -1 without a gauge.</summary>
        public int BatteryPercent { get; private set; }

        /// <summary>Switches since boot, this one included.</summary>
        public int TotalSwitches { get; private set; }

        /// <summary>Switches since the previous report was taken, this one included (earlier ones are only counted).</summary>
        public int UnreportedSwitches { get; private set; }
    }
}
