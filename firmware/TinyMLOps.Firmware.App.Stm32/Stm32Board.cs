using TinyMLOps.Firmware.Adapters;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.App.Stm32
{
    /// <summary>The STM32 family (Discovery boards): Ethernet only, no deep sleep.</summary>
    public sealed class Stm32Board : IBoardServices
    {
        public string Name
        {
            get { return "STM32"; }
        }

        public INetwork CreateNetwork(ProvisionedConfig config, int timeoutMillis)
        {
            return config.Network == ProvisionedConfig.NetworkEthernet ? new EthernetConnection(timeoutMillis, true) : null;
        }

        public ISleep CreateSleep()
        {
            return null;
        }
    }
}
