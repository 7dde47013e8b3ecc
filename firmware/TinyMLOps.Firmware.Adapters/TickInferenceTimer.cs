using System;
using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// Inference latency on the board from the runtime's DateTime ticks (100 ns units, at the resolution of the target's
    /// clock), finer than <see cref="Environment.TickCount64"/>'s milliseconds. A clock set by SNTP during an
    /// inference would make one reading jump; such a reading is reported as 0 (backwards) or clamped.
    /// </summary>
    public sealed class TickInferenceTimer : IInferenceTimer
    {
        // No inference of the model family takes a minute; a longer reading is a clock that was set meanwhile.
        private const long MaxPlausibleMicros = 60L * 1000 * 1000;

        private long _startTicks;

        public void Start()
        {
            _startTicks = DateTime.UtcNow.Ticks;
        }

        public long ElapsedMicros()
        {
            long micros = (DateTime.UtcNow.Ticks - _startTicks) / 10;
            return micros < 0 ? 0 : (micros > MaxPlausibleMicros ? MaxPlausibleMicros : micros);
        }
    }
}
