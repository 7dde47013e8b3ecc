using nanoFramework.TestFramework;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.NanoTests
{
    /// <summary>The outbox and the inference counter on storage, across a simulated reboot (a second instance on the same files).</summary>
    [TestClass]
    public class SyncStorageTests
    {
        [TestMethod]
        public void Queued_messages_survive_a_reboot_and_sequences_go_on()
        {
            MemoryStorage storage = new MemoryStorage();
            Outbox outbox = new Outbox(storage, "outbox.log", "nano-1", 4096);
            for (int i = 0; i < 3; i++)
            {
                CommandResultPayload result = new CommandResultPayload();
                result.CommandId = (uint)(i + 1);
                Assert.IsTrue(outbox.Enqueue(MessageKind.CommandResult, result.Encode(), 1700000000, false).Accepted, "enqueue " + i);
            }

            Outbox reopened = new Outbox(storage, "outbox.log", "nano-1", 4096);

            Assert.AreEqual(3, reopened.PendingCount, "pending after reboot");
            Assert.AreEqual(4u, reopened.NextSequence, "next sequence");
        }

        [TestMethod]
        public void Heartbeats_merge_so_only_the_newest_waits_across_a_reboot()
        {
            MemoryStorage storage = new MemoryStorage();
            Outbox outbox = new Outbox(storage, "outbox.log", "nano-1", 4096);
            for (int i = 0; i < 3; i++)
            {
                Assert.IsTrue(outbox.Enqueue(MessageKind.Heartbeat, new HeartbeatPayload().Encode(), 1700000000, false).Accepted, "enqueue " + i);
            }

            Outbox reopened = new Outbox(storage, "outbox.log", "nano-1", 4096);

            Assert.AreEqual(1, reopened.PendingCount, "pending after reboot");
        }

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
    }
}
