using System;
using System.Collections;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>
    /// The first thing the device does: read the provisioned configuration from storage and check that it can start
    /// with it. A missing file, an unreadable one or an invalid one (including mqtt.tls without the CA file) gives a
    /// blink code and every problem; nothing here throws.
    /// </summary>
    public static class StartupCheck
    {
        /// <summary>The sample file the "samples" sensor replays.</summary>
        public const string SamplesFile = ProvisionedConfig.SamplesFileName;

        /// <summary>The labels of the samples file, one byte per sample (<see cref="SampleFileFeedback"/>); optional.</summary>
        public const string LabelsFile = ProvisionedConfig.LabelsFileName;

        public static StartupResult Run(IStorage storage, string firmwareVersion)
        {
            StartupResult result = new StartupResult();
            byte[] data;
            try
            {
                data = storage.ReadAll(ProvisionedConfig.FileName);
            }
            catch (Exception e)
            {
                return Fail(result, BlinkCode.NoConfiguration, "the device storage could not be read (" + e.Message + "): " + ProvisionedConfig.FileName + " is unavailable");
            }

            if (data == null)
            {
                return Fail(result, BlinkCode.NoConfiguration, "no configuration: " + ProvisionedConfig.FileName
                    + " is missing from the device storage (provision the device, then deploy the file with flash)");
            }

            ConfigParseResult parsed = ConfigFile.Parse(data);
            ProvisionedConfig partial = parsed.Partial;
            if (partial != null && partial.StatusLedPin >= 0 && partial.StatusLedPin <= ConfigFile.MaxPin)
            {
                result.StatusLedPin = partial.StatusLedPin;
            }

            ArrayList problems = new ArrayList();
            for (int i = 0; i < parsed.Problems.Length; i++)
            {
                problems.Add(parsed.Problems[i]);
            }

            ProvisionedConfig config = parsed.Config;
            if (config != null && config.BrokerTls && !Exists(storage, ProvisionedConfig.CaFileName))
            {
                problems.Add("mqtt.tls is true but " + ProvisionedConfig.CaFileName + " (the broker's CA certificate) is missing from the device storage");
            }

            if (problems.Count > 0)
            {
                result.Code = BlinkCode.InvalidConfiguration;
                result.Problems = ToArray(problems);
                return result;
            }

            ArrayList warnings = new ArrayList();
            if (config.Sensor == ProvisionedConfig.SensorSamples && !Exists(storage, SamplesFile))
            {
                warnings.Add("sensor samples: " + SamplesFile + " is missing, so the device classifies nothing until it is deployed");
            }

            result.Warnings = ToArray(warnings);
            result.Config = config;
            result.DeviceConfig = ConfigMapping.ToDeviceConfig(config, firmwareVersion);
            return result;
        }

        private static StartupResult Fail(StartupResult result, int code, string problem)
        {
            result.Code = code;
            result.Problems = new string[] { problem };
            return result;
        }

        private static bool Exists(IStorage storage, string name)
        {
            try
            {
                return storage.Exists(name);
            }
            catch (Exception)
            {
                return false;
            }
        }

        private static string[] ToArray(ArrayList list)
        {
            string[] array = new string[list.Count];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = (string)list[i];
            }

            return array;
        }
    }
}
