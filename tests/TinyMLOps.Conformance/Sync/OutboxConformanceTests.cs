using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Conformance.Sync
{
    /// <summary>
    /// The persistent outbox over an in-memory storage, on both runtimes: what survives a reboot, and a power cut at
    /// every byte of the last write (the file cut there) loses only that entry, never one before it.
    /// </summary>
    [TestClass]
    public class OutboxConformanceTests
    {
        private const string File = "outbox.log";

        [TestMethod]
        public void Entries_and_sequences_survive_a_reboot()
        {
            MemoryStorage storage = new MemoryStorage();
            Outbox outbox = new Outbox(storage, File, "conf-1", 8192);
            for (int i = 0; i < 5; i++)
            {
                Assert.IsTrue(outbox.Enqueue(MessageKind.CommandResult, Result(i), 1700000000, false).Accepted, "enqueue " + i);
            }

            Outbox reopened = new Outbox(storage, File, "conf-1", 8192);
            Assert.AreEqual(5, reopened.PendingCount, "pending after the reboot");
            Assert.AreEqual(6u, reopened.NextSequence, "next sequence");
            Assert.AreEqual(0, reopened.RepairedBytes, "nothing to repair");
        }

        [TestMethod]
        public void A_cut_at_any_byte_of_the_last_write_loses_that_entry_only()
        {
            MemoryStorage model = new MemoryStorage();
            Outbox outbox = new Outbox(model, File, "conf-1", 8192);
            for (int i = 0; i < 3; i++)
            {
                outbox.Enqueue(MessageKind.CommandResult, Result(i), 1700000000, false);
            }

            int before = model.Length(File);
            outbox.Enqueue(MessageKind.CommandResult, Result(3), 1700000000, false);
            byte[] full = model.ReadAll(File);

            for (int cut = before; cut < full.Length; cut++)
            {
                MemoryStorage storage = new MemoryStorage();
                byte[] torn = new byte[cut];
                System.Array.Copy(full, torn, cut);
                storage.WriteAll(File, torn);

                Outbox reopened = new Outbox(storage, File, "conf-1", 8192);
                Assert.AreEqual(3, reopened.PendingCount, "entries kept with the file cut at " + cut);
                Assert.AreEqual(cut - before, reopened.RepairedBytes, "torn bytes cut at " + cut);
                Assert.IsTrue(reopened.Enqueue(MessageKind.CommandResult, Result(9), 1700000001, false).Accepted, "enqueue after the repair at " + cut);
            }
        }

        [TestMethod]
        public void Heartbeats_merge_so_only_the_newest_waits()
        {
            MemoryStorage storage = new MemoryStorage();
            Outbox outbox = new Outbox(storage, File, "conf-1", 8192);
            for (int i = 0; i < 4; i++)
            {
                HeartbeatPayload heartbeat = new HeartbeatPayload();
                heartbeat.UptimeSeconds = (uint)(60 * i);
                outbox.Enqueue(MessageKind.Heartbeat, heartbeat.Encode(), 1700000000, false);
            }

            Assert.AreEqual(1, new Outbox(storage, File, "conf-1", 8192).PendingCount, "heartbeats pending");
        }

        private static byte[] Result(int i)
        {
            CommandResultPayload result = new CommandResultPayload();
            result.CommandId = (uint)(i + 1);
            result.Detail = "done " + i;
            return result.Encode();
        }
    }
}
