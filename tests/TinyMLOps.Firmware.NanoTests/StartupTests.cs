using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Firmware.NanoTests
{
    [TestClass]
    public class StartupTests
    {
        [TestMethod]
        public void Without_a_configuration_the_device_blinks_two()
        {
            StartupResult result = StartupCheck.Run(new MemoryStorage(), "test");

            Assert.IsFalse(result.Ok, "started without a configuration");
            Assert.AreEqual(BlinkCode.NoConfiguration, result.Code, "blink code");
            Assert.AreEqual(4, BlinkCode.Pattern(result.Code).Length, "two blinks");
        }

        [TestMethod]
        public void A_provisioned_device_starts_with_its_identity()
        {
            MemoryStorage storage = new MemoryStorage();
            storage.WriteAll(ProvisionedConfig.FileName, ConfigFile.Encode(TinyMLOps.Conformance.Provisioning.ConfigFileConformanceTests.Config()));

            StartupResult result = StartupCheck.Run(storage, "test");

            Assert.IsTrue(result.Ok, "did not start");
            Assert.AreEqual("nano-1", result.DeviceConfig.DeviceId, "device id");
            Assert.AreEqual("lab", result.DeviceConfig.Fleet, "fleet");
        }
    }
}
