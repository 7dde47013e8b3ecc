using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

public class OutboxTests
{
    private const string Id = "dev-1";
    private const string File = "outbox.log";

    [Fact]
    public void Sequences_start_at_one_and_keep_growing_across_reopen_and_compaction()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        Assert.Equal(1u, Add(outbox, 10).Sequence);
        Assert.Equal(2u, Add(outbox, 10).Sequence);
        outbox.Acknowledge(new AckPayload([1], [2]));
        outbox.Compact();

        outbox = Open(storage);
        Assert.Equal(0, outbox.PendingCount);
        Assert.Equal(3u, outbox.NextSequence);
        Assert.Equal(3u, Add(outbox, 10).Sequence);

        outbox = Open(storage);
        Assert.Equal(4u, Add(outbox, 10).Sequence);
    }

    [Fact]
    public void Pending_entries_read_back_oldest_first_as_their_wire_envelopes()
    {
        var outbox = Open(new MemoryStorage());
        Add(outbox, 5, MessageKind.CommandResult);
        Add(outbox, 7, MessageKind.Chunk);

        Assert.Equal(2, outbox.PendingCount);
        var first = WireCodec.Decode(outbox.ReadEncoded(outbox.GetPending(0)));
        Assert.Equal((1u, MessageKind.CommandResult, Id, 5), (first.Sequence, first.Kind, first.DeviceId, first.Payload.Length));
        Assert.Equal(MessageKind.Chunk, outbox.GetPending(1).Kind);
        Assert.Equal(outbox.FileBytes, outbox.PendingBytes + Outbox.HeaderBytes);
    }

    [Fact]
    public void Truncated_last_record_is_discarded_at_every_byte()
    {
        var baseStorage = new MemoryStorage();
        var baseOutbox = Open(baseStorage);
        for (int i = 0; i < 3; i++)
        {
            Add(baseOutbox, 20 + i);
        }

        var before = Contents(baseOutbox);
        int baseLength = baseStorage.Length(File);
        int recordLength = Outbox.EntryBytesFor(Id, 40);
        for (int keep = 0; keep < recordLength; keep++)
        {
            var storage = baseStorage.Clone();
            var outbox = Open(storage);
            storage.CutNextWrite(keep);
            Assert.Throws<PowerLossException>(() => Add(outbox, 40));

            var reopened = Open(storage);
            Assert.Equal(before, Contents(reopened));
            Assert.Equal(baseLength, storage.Length(File));
            Assert.Equal(keep, reopened.RepairedBytes);
            Assert.Equal(4u, Add(reopened, 40).Sequence);
            Assert.Equal(4, Open(storage).PendingCount);
        }
    }

    [Fact]
    public void Torn_ack_tombstone_leaves_the_entries_pending_at_every_byte()
    {
        var baseStorage = new MemoryStorage();
        var baseOutbox = Open(baseStorage);
        for (int i = 0; i < 4; i++)
        {
            Add(baseOutbox, 12);
        }

        var before = Contents(baseOutbox);
        int tombstone = 8 + 2 + 8;
        for (int keep = 0; keep <= tombstone; keep++)
        {
            var storage = baseStorage.Clone();
            var outbox = Open(storage);
            if (keep < tombstone)
            {
                storage.CutNextWrite(keep);
                Assert.Throws<PowerLossException>(() => outbox.Acknowledge(new AckPayload([2], [3])));
            }
            else
            {
                outbox.Acknowledge(new AckPayload([2], [3]));
            }

            var reopened = Open(storage);
            var expected = keep < tombstone ? before : before.Where(p => p.Key is not 2 and not 3).ToDictionary();
            Assert.Equal(expected, Contents(reopened));
            Assert.Equal(5u, reopened.NextSequence);
        }
    }

    [Fact]
    public void A_corrupt_record_cuts_the_log_there_and_keeps_what_came_before()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        Add(outbox, 10);
        Add(outbox, 10);
        Add(outbox, 10);

        storage.Corrupt(File, Outbox.HeaderBytes + Outbox.EntryBytesFor(Id, 10) + 12);
        var reopened = Open(storage);

        Assert.Equal([1u], Contents(reopened).Keys);
        Assert.Equal(2 * Outbox.EntryBytesFor(Id, 10), reopened.RepairedBytes);
        Assert.Equal(reopened.FileBytes, storage.Length(File));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Power_cut_at_every_step_of_a_compaction_keeps_every_entry_it_must(bool renameDeletesTargetFirst)
    {
        // A full log with acked holes, droppable and non-droppable entries: the next enqueue compacts and evicts.
        var baseStorage = new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst };
        var baseOutbox = Open(baseStorage, 1024);
        var nonDroppable = new HashSet<uint>();
        for (int i = 0; baseOutbox.FileBytes + Outbox.EntryBytesFor(Id, 60) + baseOutbox.ReservedBytes <= 1024; i++)
        {
            var r = baseOutbox.Enqueue(MessageKind.CommandResult, Payload(60, i), 0, i % 3 != 0);
            if (i % 3 == 0)
            {
                nonDroppable.Add(r.Sequence);
            }
        }

        baseOutbox.Acknowledge(new AckPayload([2], [2]));
        nonDroppable.Remove(2);
        var before = Contents(baseOutbox);

        var dry = baseStorage.Clone();
        var dryOutbox = Open(dry, 1024);
        var result = dryOutbox.Enqueue(MessageKind.CommandResult, Payload(200, 99), 0, false);
        Assert.True(result.Accepted, EnqueueResult.StatusName(result.Status));
        Assert.True(result.Evicted > 0, "evicted " + result.Evicted);
        Assert.Equal(1, dryOutbox.Compactions);
        var steps = dry.Journal;

        int cuts = 0;
        for (int step = 0; step < steps.Count; step++)
        {
            for (int keep = 0; keep < Math.Max(1, steps[step].Bytes); keep++)
            {
                var storage = baseStorage.Clone();
                var outbox = Open(storage, 1024);
                storage.CutPowerAt(step, keep);
                Assert.Throws<PowerLossException>(() => outbox.Enqueue(MessageKind.CommandResult, Payload(200, 99), 0, false));
                cuts++;

                var reopened = Open(storage, 1024);
                var after = Contents(reopened);
                Assert.All(nonDroppable, s => Assert.Equal(before[s], after[s]));
                Assert.All(after, p => Assert.True(before.TryGetValue(p.Key, out var old) && old.SequenceEqual(p.Value), "entry " + p.Key));
                Assert.DoesNotContain(File + ".tmp", storage.Names);
                Assert.Equal(reopened.FileBytes, storage.Length(File));
                Assert.True(reopened.FileBytes <= 1024);
                Assert.Equal(result.Sequence, Add(reopened, 10).Sequence);
            }
        }

        Assert.True(cuts > 500, cuts + " cuts");
    }

    [Fact]
    public void Outbox_never_grows_beyond_its_capacity()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, 2048);
        var random = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            outbox.Enqueue(MessageKind.ChunkStatus, Payload(random.Next(0, 300), i), 0, true);
            if (i % 7 == 0 && outbox.PendingCount > 0)
            {
                uint oldest = outbox.GetPending(0).Sequence;
                outbox.Acknowledge(new AckPayload([oldest], [oldest + 2]));
            }

            Assert.InRange(outbox.FileBytes, Outbox.HeaderBytes, 2048);
            Assert.Equal(outbox.FileBytes, storage.Length(File));
        }

        Assert.True(outbox.DroppedTotal > 0);
    }

    [Fact]
    public void Merging_kinds_supersede_older_pending_ones_without_counting_a_drop()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        outbox.Enqueue(MessageKind.Heartbeat, Payload(20, 1), 0, true);
        outbox.Enqueue(MessageKind.Hello, Payload(30, 1), 0, true);
        Add(outbox, 10);
        outbox.Enqueue(MessageKind.Heartbeat, Payload(20, 2), 0, true);
        var last = outbox.Enqueue(MessageKind.Heartbeat, Payload(20, 3), 0, true);

        var reopened = Open(storage);
        foreach (var o in new[] { outbox, reopened })
        {
            Assert.Equal([2u, 3u, 5u], Contents(o).Keys);
            Assert.Equal(0u, o.DroppedTotal);
            Assert.False(o.HasDropReport);
        }

        Assert.Equal(Payload(20, 3), WireCodec.Decode(reopened.ReadEncoded(reopened.FindPending(last.Sequence)!)).Payload);
    }

    [Fact]
    public void A_full_outbox_evicts_the_oldest_droppable_entries_and_reports_them_exactly()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, 1024);
        var enqueued = new Dictionary<uint, int>();
        for (int i = 0; i < 24; i++)
        {
            int kind = i % 4 == 0 ? MessageKind.CommandResult : MessageKind.ChunkStatus;
            var r = outbox.Enqueue(kind, Payload(40, i), 0, i % 4 != 0);
            Assert.True(r.Accepted);
            enqueued[r.Sequence] = kind;
        }

        var pending = Contents(outbox).Keys.ToHashSet();
        var evicted = enqueued.Keys.Where(s => !pending.Contains(s)).ToList();
        Assert.NotEmpty(evicted);
        Assert.All(evicted, s => Assert.Equal(MessageKind.ChunkStatus, enqueued[s]));
        Assert.True(evicted.Max() < pending.Where(s => enqueued[s] == MessageKind.ChunkStatus).Min(), "oldest droppable go first");

        var report = Open(storage).PeekDropReport()!;
        Assert.Equal([MessageKind.ChunkStatus], report.Kinds);
        Assert.Equal((uint)evicted.Count, report.Counts[0]);
        Assert.Equal(evicted.Min(), report.FirstSequences[0]);
        Assert.Equal(evicted.Max(), report.LastSequences[0]);
        Assert.Equal((uint)evicted.Count, outbox.DroppedTotal);

        var queued = outbox.EnqueueDropReport(0)!;
        Assert.True(queued.Accepted);
        Assert.False(outbox.HasDropReport);
        var sent = DroppedPayload.Decode(WireCodec.Decode(outbox.ReadEncoded(outbox.FindPending(queued.Sequence)!)).Payload);
        Assert.Equal(report.Counts, sent.Counts);

        var reopened = Open(storage);
        Assert.False(reopened.HasDropReport);
        Assert.Equal((uint)evicted.Count, reopened.DroppedTotal);
        reopened.Compact();
        Assert.False(Open(storage).HasDropReport);
        Assert.Null(Open(storage).EnqueueDropReport(0));
    }

    [Fact]
    public void Non_droppable_entries_are_never_evicted_and_a_refusal_is_counted()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, 1024);
        var kept = new List<uint>();
        EnqueueResult r;
        while ((r = outbox.Enqueue(MessageKind.CommandResult, Payload(50, kept.Count), 0, false)).Accepted)
        {
            kept.Add(r.Sequence);
        }

        Assert.Equal(EnqueueResult.Full, r.Status);
        Assert.Equal(0u, r.Sequence);
        var droppable = outbox.Enqueue(MessageKind.ChunkStatus, Payload(50, 0), 0, true);
        Assert.Equal(EnqueueResult.Full, droppable.Status);
        Assert.Equal(2u, outbox.RefusedTotal);
        Assert.Equal(kept, Contents(outbox).Keys);
        Assert.Equal((uint)kept.Count + 1, outbox.NextSequence);
        Assert.Equal(0u, outbox.DroppedTotal);
    }

    [Fact]
    public void The_drop_report_fits_even_when_the_rest_of_the_outbox_is_full()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, 1024);
        for (int i = 0; i < 8; i++)
        {
            outbox.Enqueue(MessageKind.ChunkStatus + (i % 2 == 0 ? 0 : -3), Payload(30, i), 0, true);
        }

        while (outbox.Enqueue(MessageKind.CommandResult, Payload(30, 1), 0, false).Accepted)
        {
        }

        Assert.True(outbox.HasDropReport);
        Assert.Equal(2, outbox.PeekDropReport()!.Kinds.Length);
        Assert.True(outbox.EnqueueDropReport(0)!.Accepted);
        Assert.True(outbox.FileBytes <= 1024);
    }

    [Fact]
    public void Refuses_downlink_kinds_and_payloads_no_outbox_could_hold()
    {
        var outbox = Open(new MemoryStorage(), 1024);

        Assert.Equal(EnqueueResult.BadKind, outbox.Enqueue(MessageKind.Ack, [1], 0, true).Status);
        Assert.Equal(EnqueueResult.TooLarge, outbox.Enqueue(MessageKind.Chunk, new byte[1000], 0, false).Status);
        Assert.Equal(0, outbox.PendingCount);
    }

    [Fact]
    public void A_leftover_temp_file_beside_the_log_is_discarded_and_one_alone_is_adopted()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        Add(outbox, 10);
        storage.WriteAll(File + ".tmp", [1, 2, 3]);

        Assert.Equal([1u], Contents(Open(storage)).Keys);
        Assert.False(storage.Exists(File + ".tmp"));

        storage.Rename(File, File + ".tmp");
        Assert.Equal([1u], Contents(Open(storage)).Keys);
        Assert.True(storage.Exists(File));
    }

    [Fact]
    public void A_drop_summary_not_yet_reported_survives_a_reboot()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, 1024);
        for (int i = 0; i < 30; i++)
        {
            outbox.Enqueue(MessageKind.ChunkStatus, Payload(40, i), 0, true);
        }

        var report = outbox.PeekDropReport()!;
        var reopened = Open(storage).PeekDropReport()!;
        Assert.Equal(report.Counts, reopened.Counts);
        Assert.Equal(report.FirstSequences, reopened.FirstSequences);
        Assert.Equal(report.LastSequences, reopened.LastSequences);
    }

    internal static Outbox Open(MemoryStorage storage, int capacity = 4096) => new(storage, File, Id, capacity);

    internal static byte[] Payload(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i + (seed * 31))).ToArray();

    internal static Dictionary<uint, byte[]> Contents(Outbox outbox)
    {
        var contents = new Dictionary<uint, byte[]>();
        for (int i = 0; i < outbox.PendingCount; i++)
        {
            var e = outbox.GetPending(i);
            contents[e.Sequence] = outbox.ReadEncoded(e);
        }

        return contents;
    }

    private static EnqueueResult Add(Outbox outbox, int length, int kind = MessageKind.CommandResult)
    {
        var r = outbox.Enqueue(kind, Payload(length, length), 0, false);
        Assert.True(r.Accepted, EnqueueResult.StatusName(r.Status));
        return r;
    }
}
