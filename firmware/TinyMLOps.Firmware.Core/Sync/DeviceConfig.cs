namespace TinyMLOps.Firmware.Core.Sync
{
    /// <summary>Who the device is and how its sync loop behaves; the board app and the virtual fleet fill it.</summary>
    public sealed class DeviceConfig
    {
        public string DeviceId = "";
        public string Fleet = "";
        public string Board = "";
        public string FirmwareVersion = "";
        public string ModelId = "";
        public uint ModelVersion;

        /// <summary>Bit i set when the device runs operator type i of the model format.</summary>
        public uint KernelMask;

        public int OutboxCapacityBytes = 64 * 1024;
        public int HeartbeatIntervalSeconds = 60;
        public int MinBatteryPercent = PowerPolicy.DefaultMinBatteryPercent;
        public int BackoffInitialMillis = 1000;
        public int BackoffMaxMillis = 300000;
        public int AckTimeoutMillis = 10000;
        public int MaxInFlight = 16;
    }
}
