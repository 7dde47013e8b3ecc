using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Firmware.Core.Metering;

namespace TinyMLOps.Conformance.Metering
{
    /// <summary>The durable inference counter over an in-memory storage, on both runtimes: a reboot never counts backwards.</summary>
    [TestClass]
    public class InferenceCounterConformanceTests
    {
        [TestMethod]
        public void The_inference_counter_resumes_past_its_reserved_block_after_a_reboot()
        {
            MemoryStorage storage = new MemoryStorage();
            MeterOptions options = new MeterOptions();
            options.BlockSize = 8;
            InferenceCounter counter = new InferenceCounter(storage, MeterOptions.DefaultCounterFile, 1, options);
            for (int i = 0; i < 3; i++)
            {
                counter.Reserve("kws", "v1", 0, false, 100);
                counter.Count("kws", "v1", 0, false, 100);
            }

            InferenceCounter reopened = new InferenceCounter(storage, MeterOptions.DefaultCounterFile, 2, options);

            Assert.AreEqual(3ul, counter.Next("kws"), "before the reboot");
            Assert.AreEqual(8ul, reopened.Next("kws"), "after the reboot");
        }

        [TestMethod]
        public void Every_reboot_resumes_at_or_past_every_count_made_before_it()
        {
            MemoryStorage storage = new MemoryStorage();
            MeterOptions options = new MeterOptions();
            options.BlockSize = 4;
            ulong highest = 0;
            for (uint boot = 1; boot <= 6; boot++)
            {
                InferenceCounter counter = new InferenceCounter(storage, MeterOptions.DefaultCounterFile, boot, options);
                Assert.IsTrue(counter.Next("kws") >= highest, "boot " + boot + " resumed at " + counter.Next("kws") + ", below " + highest);
                for (int i = 0; i < (int)boot; i++)
                {
                    counter.Reserve("kws", "v1", 0, false, 100);
                    counter.Count("kws", "v1", 0, false, 100);
                }

                highest = counter.Next("kws");
            }
        }
    }
}
