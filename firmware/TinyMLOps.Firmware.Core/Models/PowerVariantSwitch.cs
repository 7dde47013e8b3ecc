using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// Picks the model role from the power input alone (no connectivity needed), with hysteresis. Rules, applied
    /// at each <see cref="Update"/>:
    /// 1. Battery power, or a gauge reading below <see cref="LowBatteryPercent"/> (whatever the source: a weak
    ///    charger that cannot keep the battery up), selects <see cref="ModelRole.Battery"/> at once.
    /// 2. External power with the battery not low selects <see cref="ModelRole.Plugged"/> only once it has been
    ///    seen without interruption for <see cref="DwellMillis"/>; any battery or low reading in between restarts
    ///    the wait, so a bouncing power-detect line does not flap the model.
    /// 3. An unknown source keeps the current role and restarts the wait.
    /// Each switch is counted, and the last one is kept for <see cref="TakePendingSwitchReport"/>.
    /// </summary>
    public sealed class PowerVariantSwitch
    {
        public const long DefaultDwellMillis = 5 * 60 * 1000;
        public const int DefaultLowBatteryPercent = 15;

        private readonly IPower _power;
        private readonly IClock _clock;
        private long _externalSince = -1;
        private int _unreported;
        private VariantSwitchReport _pending;

        public PowerVariantSwitch(IPower power, IClock clock)
            : this(power, clock, DefaultDwellMillis, DefaultLowBatteryPercent, ModelRole.Plugged)
        {
        }

        /// <param name="initialRole">The role at start, for example the one the device ran before a reboot.</param>
        public PowerVariantSwitch(IPower power, IClock clock, long dwellMillis, int lowBatteryPercent, ModelRole initialRole)
        {
            if (power == null)
            {
                throw new System.ArgumentNullException("power");
            }

            if (clock == null)
            {
                throw new System.ArgumentNullException("clock");
            }

            _power = power;
            _clock = clock;
            DwellMillis = dwellMillis < 0 ? 0 : dwellMillis;
            LowBatteryPercent = lowBatteryPercent;
            Role = initialRole == ModelRole.Battery ? ModelRole.Battery : ModelRole.Plugged;
        }

        public long DwellMillis { get; private set; }

        public int LowBatteryPercent { get; private set; }

        /// <summary>The selected role, plugged or battery.</summary>
        public ModelRole Role { get; private set; }

        /// <summary>Switches since start.</summary>
        public int SwitchCount { get; private set; }

        public bool HasPendingSwitchReport
        {
            get { return _pending != null; }
        }

        /// <summary>Reads the power input, applies the rules and returns the selected role.</summary>
        public ModelRole Update()
        {
            int source = _power.Source;
            int battery = _power.BatteryPercent;
            long now = _clock.UptimeMillis;
            bool low = battery >= 0 && battery < LowBatteryPercent;
            if (source == PowerSource.Battery || low)
            {
                _externalSince = -1;
                if (Role != ModelRole.Battery)
                {
                    Switch(ModelRole.Battery, now, source, battery);
                }
            }
            else if (source == PowerSource.External)
            {
                if (_externalSince < 0)
                {
                    _externalSince = now;
                }

                if (Role != ModelRole.Plugged && now - _externalSince >= DwellMillis)
                {
                    Switch(ModelRole.Plugged, now, source, battery);
                }
            }
            else
            {
                _externalSince = -1;
            }

            return Role;
        }

        /// <summary>The last switch not yet reported, or null; taking it clears it.</summary>
        public VariantSwitchReport TakePendingSwitchReport()
        {
            VariantSwitchReport report = _pending;
            _pending = null;
            _unreported = 0;
            return report;
        }

        private void Switch(ModelRole to, long now, int source, int battery)
        {
            ModelRole from = Role;
            Role = to;
            SwitchCount++;
            _unreported++;
            _pending = new VariantSwitchReport(from, to, now, source, battery, SwitchCount, _unreported);
        }
    }
}
