namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>
    /// Times one inference finer than <see cref="IClock.UptimeMillis"/>: the board reads its microsecond tick, the
    /// virtual fleet simulates the board's latency from its cost model.
    /// </summary>
    public interface IInferenceTimer
    {
        /// <summary>Marks the start of an inference.</summary>
        void Start();

        /// <summary>Microseconds since the last <see cref="Start"/>, never negative.</summary>
        long ElapsedMicros();
    }
}
