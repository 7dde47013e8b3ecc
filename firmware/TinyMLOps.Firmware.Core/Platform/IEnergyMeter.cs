namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>
    /// An energy meter on the board's supply (a coulomb counter or a power monitor); no board has one today. Without
    /// one the device reports its energy as not metered and the host estimates it from the board profile.
    /// </summary>
    public interface IEnergyMeter
    {
        /// <summary>Energy drawn since boot in microjoules, monotonic.</summary>
        long TotalMicrojoules { get; }
    }
}
