using TinyMLOps.Firmware.Adapters;

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
            BoardApplication.Run(new Stm32Board());
        }
    }
}
