using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>What <see cref="StartupCheck"/> found: a usable configuration, or the blink code and every problem.</summary>
    public sealed class StartupResult
    {
        /// <summary><see cref="BlinkCode.None"/> when the device can start, else the code to blink forever.</summary>
        public int Code;

        /// <summary>Everything that stops the device from starting, one sentence each.</summary>
        public string[] Problems = new string[0];

        /// <summary>Things that do not stop it but limit it (no sample file, a sensor this build cannot read).</summary>
        public string[] Warnings = new string[0];

        /// <summary>The provisioned configuration; null unless <see cref="Ok"/>.</summary>
        public ProvisionedConfig Config;

        /// <summary>The device core's configuration made from it; null unless <see cref="Ok"/>.</summary>
        public DeviceConfig DeviceConfig;

        /// <summary>The status LED to blink on: from the configuration, or from the readable part of an invalid one; -1: none.</summary>
        public int StatusLedPin = -1;

        public bool Ok
        {
            get { return Code == BlinkCode.None; }
        }

        /// <summary>Writes the outcome to the debug output: every problem as an error, every warning as a warning.</summary>
        public void Report(ILog log)
        {
            if (Ok)
            {
                log.Info("configuration: device " + Config.DeviceId + " of fleet " + Config.Fleet + " on board " + Config.Board
                    + ", broker " + Config.BrokerHost + ":" + Config.BrokerPort + (Config.BrokerTls ? " (TLS)" : string.Empty));
            }
            else
            {
                log.Error("cannot start: " + BlinkCode.Name(Code) + " (the status LED blinks " + Code + " times)");
            }

            for (int i = 0; i < Problems.Length; i++)
            {
                log.Error("configuration: " + Problems[i]);
            }

            for (int i = 0; i < Warnings.Length; i++)
            {
                log.Warn(Warnings[i]);
            }
        }
    }
}
