using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>From the provisioned configuration to what the device core and the MQTT adapter take.</summary>
    public static class ConfigMapping
    {
        /// <summary>The op codes a kernel mask can describe (one bit each).</summary>
        public const int MaxOpCodes = 32;

        /// <summary>The sync loop's configuration: identity, heartbeat, artifact key, and the kernels this firmware runs.</summary>
        public static DeviceConfig ToDeviceConfig(ProvisionedConfig config, string firmwareVersion)
        {
            DeviceConfig device = new DeviceConfig();
            device.DeviceId = config.DeviceId;
            device.Fleet = config.Fleet;
            device.Board = config.Board;
            device.FirmwareVersion = firmwareVersion;
            device.HeartbeatIntervalSeconds = config.HeartbeatSeconds;
            device.KernelMask = SupportedKernelMask();
            device.KernelBackend = KernelBackends.NameOf(KernelBackends.Default);
            device.ConsentSettings = ConfigFile.ConsentOf(config);
            device.RequireSealedModels = config.RequireSealedModels;
            if (config.ArtifactKey != null)
            {
                byte[] key = new byte[config.ArtifactKey.Length];
                for (int i = 0; i < key.Length; i++)
                {
                    key[i] = config.ArtifactKey[i];
                }

                device.ArtifactKey = key;
            }

            return device;
        }

        /// <summary>The broker user name: the configured one, or by convention the device id.</summary>
        public static string MqttUsername(ProvisionedConfig config)
        {
            return config.MqttUsername == null || config.MqttUsername.Length == 0 ? config.DeviceId : config.MqttUsername;
        }

        /// <summary>The broker password, or null for an anonymous broker.</summary>
        public static string MqttPassword(ProvisionedConfig config)
        {
            return config.MqttPassword == null || config.MqttPassword.Length == 0 ? null : config.MqttPassword;
        }

        /// <summary>Bit i set for every op code i that <see cref="OperatorFactory"/> has a kernel for.</summary>
        public static uint SupportedKernelMask()
        {
            uint mask = 0;
            for (int code = 0; code < MaxOpCodes; code++)
            {
                if (OperatorFactory.Create(code) != null)
                {
                    mask |= 1u << code;
                }
            }

            return mask;
        }
    }
}
