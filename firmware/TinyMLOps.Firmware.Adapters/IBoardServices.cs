using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// What differs between the board families' applications: the network link and deep sleep. Each application
    /// project (ESP32, STM32) implements it over the nanoFramework assemblies its firmware has, so an image never
    /// carries an assembly whose native part the target lacks.
    /// </summary>
    public interface IBoardServices
    {
        /// <summary>For the startup log, for example "ESP32".</summary>
        string Name { get; }

        /// <summary>The link the configuration asks for (its network key), or null when this board family has no such link.</summary>
        INetwork CreateNetwork(ProvisionedConfig config, int timeoutMillis);

        /// <summary>Deep sleep, or null when the board family has none.</summary>
        ISleep CreateSleep();
    }
}
