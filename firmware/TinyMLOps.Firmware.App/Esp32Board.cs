using TinyMLOps.Firmware.Adapters;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.App
{
    /// <summary>The ESP32 family: Wi-Fi station (or Ethernet on boards with a PHY) and deep sleep.</summary>
    public sealed class Esp32Board : IBoardServices
    {
        public string Name
        {
            get { return "ESP32"; }
        }

        public INetwork CreateNetwork(ProvisionedConfig config, int timeoutMillis)
        {
            if (config.Network == ProvisionedConfig.NetworkEthernet)
            {
                return new EthernetConnection(timeoutMillis, true);
            }

            // Wait for SNTP as part of the join: receipts and quotas need the wall clock.
            return new WifiConnection(config.WifiSsid, config.WifiPassword, timeoutMillis, true);
        }

        public ISleep CreateSleep()
        {
            return new Esp32Sleep();
        }
    }
}
