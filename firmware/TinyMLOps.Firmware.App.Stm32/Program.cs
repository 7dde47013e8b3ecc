using TinyMLOps.Firmware.Adapters;
using TinyMLOps.NativeKernels;

namespace TinyMLOps.Firmware.App.Stm32
{
    /// <summary>
    /// The TinyMLOps device application for STM32 boards (docs/firmware.md): the ESP32 application without the assemblies
    /// whose native part only ESP32 firmware has (System.Device.Wifi, nanoFramework.Hardware.Esp32).
    /// </summary>
    public static class Program
    {
        public static void Main()
        {
            // The kernels every model of this boot runs: the firmware's C kernels when it was built with them.
            NativeKernelBackend.Install();
            BoardApplication.Run(new Stm32Board());
        }
    }
}
