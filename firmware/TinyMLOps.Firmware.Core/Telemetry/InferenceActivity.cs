using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.Telemetry
{
    /// <summary>Inferences run since boot and when the device last ran (or failed) one: heartbeats report the count, federated rounds wait for idle time.</summary>
    public sealed class InferenceActivity
    {
        private readonly IClock _clock;
        private long _lastMillis;

        public InferenceActivity(IClock clock)
        {
            _clock = clock;
        }

        /// <summary>Inferences run since boot (metered ones that ran or failed).</summary>
        public uint Inferences { get; private set; }

        /// <summary>Seconds since the last inference or failure (or since boot).</summary>
        public long IdleSeconds
        {
            get { return (_clock.UptimeMillis - _lastMillis) / 1000; }
        }

        /// <summary>Counts an inference about to run.</summary>
        public void Count()
        {
            Inferences++;
        }

        /// <summary>An inference ran or failed now.</summary>
        public void MarkBusy()
        {
            _lastMillis = _clock.UptimeMillis;
        }
    }
}
