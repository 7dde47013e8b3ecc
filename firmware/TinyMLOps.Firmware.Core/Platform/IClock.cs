namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>Time as the device sees it; the virtual fleet drives it in simulated time.</summary>
    public interface IClock
    {
        /// <summary>Milliseconds since boot, monotonic.</summary>
        long UptimeMillis { get; }

        /// <summary>Wall clock in Unix seconds, or 0 while it is not set (no SNTP yet).</summary>
        uint UnixSeconds { get; }
    }
}
