using TinyMLOps.Firmware.Adapters;
using TinyMLOps.NativeKernels;

namespace TinyMLOps.Firmware.App
{
    /// <summary>The TinyMLOps device application for ESP32 boards (docs/firmware.md).</summary>
    public static class Program
    {
        public static void Main()
        {
            // The kernels every model of this boot runs: the firmware's C kernels when it was built with them.
            NativeKernelBackend.Install();
            BoardApplication.Run(new Esp32Board());
        }
    }
}
