using nanoFramework.TestFramework;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.NanoTests
{
    [TestClass]
    public class ConfigFileTests
    {
        internal static ProvisionedConfig Config()
        {
            ProvisionedConfig config = new ProvisionedConfig();
            config.DeviceId = "nano-1";
            config.Fleet = "lab";
            config.Board = "esp32-devkitc";
            config.WifiSsid = "net";
            config.BrokerHost = "broker.local";
            config.ArtifactKey = new byte[ProvisionedConfig.ArtifactKeyLength];
            for (int i = 0; i < config.ArtifactKey.Length; i++)
            {
                config.ArtifactKey[i] = (byte)(i * 7);
            }

            config.StatusLedPin = 2;
            config.SleepSeconds = 900;
            return config;
        }

        [TestMethod]
        public void Configuration_round_trips_through_the_file_format()
        {
            ConfigParseResult result = ConfigFile.Parse(ConfigFile.Encode(Config()));

            Assert.IsTrue(result.IsValid, result.Describe());
            Assert.AreEqual("nano-1", result.Config.DeviceId, "device id");
            Assert.AreEqual(900, result.Config.SleepSeconds, "sleep seconds");
            Assert.AreEqual(2, result.Config.StatusLedPin, "status LED pin");
            Assert.AreEqual(7, (int)result.Config.ArtifactKey[1], "artifact key");
        }

        [TestMethod]
        public void A_corrupt_byte_is_a_checksum_mismatch()
        {
            byte[] file = ConfigFile.Encode(Config());
            file[25] ^= 0x01;

            ConfigParseResult result = ConfigFile.Parse(file);

            Assert.IsFalse(result.IsValid, "corrupt file accepted");
            Assert.IsNull(result.Config, "config of a corrupt file");
            Assert.AreEqual("checksum mismatch: file is corrupt", result.Problems[0], "problem");
        }
    }
}
