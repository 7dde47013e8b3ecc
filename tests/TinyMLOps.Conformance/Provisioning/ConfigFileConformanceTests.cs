using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Conformance.Provisioning
{
    /// <summary>The provisioned configuration file on both runtimes: round trip, and every corruption or truncation refused with a reason.</summary>
    [TestClass]
    public class ConfigFileConformanceTests
    {
        [TestMethod]
        public void A_configuration_round_trips_through_the_file_format()
        {
            byte[] file = ConfigFile.Encode(Config());
            ConfigParseResult result = ConfigFile.Parse(file);

            Assert.IsTrue(result.IsValid, result.Describe());
            Assert.AreEqual("nano-1", result.Config.DeviceId, "device id");
            Assert.AreEqual("broker.local", result.Config.BrokerHost, "broker host");
            Assert.AreEqual(900, result.Config.SleepSeconds, "sleep seconds");
            Assert.AreEqual(7, (int)result.Config.ArtifactKey[1], "artifact key");
            Expect.SameBytes(file, ConfigFile.Encode(result.Config), "re-encoded file");
        }

        [TestMethod]
        public void Every_single_bit_flip_is_refused()
        {
            byte[] file = ConfigFile.Encode(Config());
            for (int i = 0; i < file.Length; i++)
            {
                for (int bit = 0; bit < 8; bit += 3)
                {
                    file[i] ^= (byte)(1 << bit);
                    ConfigParseResult result = ConfigFile.Parse(file);
                    Assert.IsFalse(result.IsValid, "flip of bit " + bit + " of byte " + i + " accepted");
                    Assert.IsTrue(result.Problems.Length > 0, "a refusal names its problem");
                    file[i] ^= (byte)(1 << bit);
                }
            }
        }

        [TestMethod]
        public void Every_truncation_but_the_final_newline_is_refused()
        {
            byte[] file = ConfigFile.Encode(Config());
            Assert.AreEqual((byte)'\n', file[file.Length - 1], "the file ends with a newline, which an editor may drop");
            for (int cut = 0; cut < file.Length - 1; cut++)
            {
                byte[] shorter = new byte[cut];
                System.Array.Copy(file, shorter, cut);
                Assert.IsFalse(ConfigFile.Parse(shorter).IsValid, "file cut to " + cut + " accepted");
            }
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

        /// <summary>A provisioned configuration with every field a board needs; the nanoCLR startup tests use it too.</summary>
        public static ProvisionedConfig Config()
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
    }
}
