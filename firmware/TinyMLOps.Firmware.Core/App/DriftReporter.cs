using TinyMLOps.Firmware.Core.Consent;
using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// The serving model's drift in the sync loop: on every poll, queues the monitor's finished windows as droppable drift
    /// messages while consent allows (a window taken while it does not is discarded, never queued) and shows the drift
    /// alarm on the status indicator when it changes.
    /// </summary>
    public sealed class DriftReporter : ISyncPart
    {
        private readonly DeviceConfig _config;
        private readonly VariantManager _variants;
        private readonly ConsentGate _consent;
        private readonly IStatusIndicator _indicator;
        private readonly IUplink _uplink;
        private bool _shownAlarm;
        private bool _shown;

        /// <param name="config">Its model id names the windows of a monitor that has no variant, when no variant serves.</param>
        /// <param name="variants">Names the serving variant; null on a device without variant slots.</param>
        /// <param name="indicator">Shows the alarm (the status LED on a board); null shows nothing.</param>
        public DriftReporter(DeviceConfig config, VariantManager variants, ConsentGate consent, IStatusIndicator indicator, IUplink uplink)
        {
            _config = config;
            _variants = variants;
            _consent = consent;
            _indicator = indicator;
            _uplink = uplink;
        }

        /// <summary>
        /// The drift histograms of the serving model: the runtime sets a new monitor at each model load (the drift window
        /// lives in RAM, so a reboot starts a new one), null when the model carries no drift profile.
        /// </summary>
        public DriftMonitor Monitor { get; set; }

        /// <summary>Windows finished while consent for drift did not allow them, discarded since boot.</summary>
        public int WindowsWithheld { get; private set; }

        public void Connected()
        {
        }

        public void Poll(long nowMillis)
        {
            DriftMonitor monitor = Monitor;
            if (monitor != null)
            {
                QueueWindows(monitor, nowMillis);
            }

            // Only a change reaches the indicator, so a blink pattern is not restarted every poll.
            bool alarm = monitor != null && monitor.Alarm;
            if (_indicator != null && (alarm != _shownAlarm || !_shown))
            {
                _indicator.SetAlarm(alarm);
            }

            _shownAlarm = alarm;
            _shown = true;
        }

        private void QueueWindows(DriftMonitor monitor, long now)
        {
            string variant = monitor.VariantId;
            if ((variant == null || variant.Length == 0) && _variants != null)
            {
                variant = _variants.ServingVariantId;
            }

            if (variant == null || variant.Length == 0)
            {
                variant = _config.ModelId;
            }

            for (DriftPayload window = monitor.TakeWindow(now, variant); window != null; window = monitor.TakeWindow(now, variant))
            {
                if (!_consent.DriftAllowed)
                {
                    WindowsWithheld++;
                    continue;
                }

                _uplink.Enqueue(MessageKind.Drift, window.Encode(), true);
            }
        }
    }
}
