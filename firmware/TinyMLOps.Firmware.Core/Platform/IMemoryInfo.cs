namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>Free RAM and flash, for the capabilities a device reports in its hello (the host sizes variants by them).</summary>
    public interface IMemoryInfo
    {
        /// <summary>Free managed heap in bytes, or -1 when unknown.</summary>
        long FreeHeapBytes { get; }

        /// <summary>Free bytes on the storage the device keeps models on, or -1 when unknown.</summary>
        long FreeFlashBytes { get; }
    }
}
