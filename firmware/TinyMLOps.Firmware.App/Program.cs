using TinyMLOps.Firmware.Adapters;

namespace TinyMLOps.Firmware.App
{
    /// <summary>The TinyMLOps device application for ESP32 boards (docs/firmware.md).</summary>
    public static class Program
    {
        public static void Main()
        {
            BoardApplication.Run(new Esp32Board());
        }
    }
}
