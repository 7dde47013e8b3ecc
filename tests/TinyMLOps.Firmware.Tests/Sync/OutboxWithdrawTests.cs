using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

/// <summary>Outbox.Withdraw: entries of a kind whose consent was taken back leave the outbox before they are sent.</summary>
public class OutboxWithdrawTests
{
    private const string Id = "dev-1";
    private const string File = "outbox.log";

    private static Outbox Open(MemoryStorage storage, int capacity = 16 * 1024) => new(storage, File, Id, capacity);

    private static List<(uint Sequence, int Kind)> Pending(Outbox outbox) =>
        [.. Enumerable.Range(0, outbox.PendingCount).Select(i => (outbox.GetPending(i).Sequence, outbox.GetPending(i).Kind))];

    [Fact]
    public void Withdrawn_entries_are_reported_as_drops_survive_a_reopen_as_gone_and_receipts_are_never_withdrawn()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        outbox.Enqueue(MessageKind.Drift, new byte[40], 0, true);
        outbox.Enqueue(MessageKind.UsageReceipt, new byte[30], 0, false);
        outbox.Enqueue(MessageKind.Drift, new byte[40], 0, true);
        outbox.Enqueue(MessageKind.CommandResult, new byte[10], 0, false);

        Assert.Equal(2, outbox.Withdraw(MessageKind.Drift));
        Assert.Equal(0, outbox.Withdraw(MessageKind.UsageReceipt));
        Assert.Equal(0, outbox.Withdraw(MessageKind.Drift));

        Assert.Equal([(2u, MessageKind.UsageReceipt), (4u, MessageKind.CommandResult)], Pending(outbox));
        Assert.Equal(2, outbox.WithdrawnTotal);
        Assert.Equal(2u, outbox.DroppedTotal);
        var report = outbox.PeekDropReport()!;
        Assert.Equal([MessageKind.Drift], report.Kinds);
        Assert.Equal((2u, 1u, 3u), (report.Counts[0], report.FirstSequences[0], report.LastSequences[0]));

        var reopened = Open(storage);
        Assert.Equal(Pending(outbox), Pending(reopened));
        Assert.Equal(2u, reopened.DroppedTotal);
        Assert.True(reopened.HasDropReport);
        Assert.Equal(5u, reopened.NextSequence);
    }

    [Fact]
    public void With_the_drop_summary_full_withdrawn_entries_go_by_an_ack_tombstone_instead()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, 8192);
        int[] kinds = [MessageKind.Hello, MessageKind.Heartbeat, MessageKind.CommandResult, MessageKind.Chunk, MessageKind.ChunkStatus, MessageKind.VariantSwitch, MessageKind.ModelHealth, MessageKind.UsageReceipt];
        foreach (int kind in kinds)
        {
            Assert.True(outbox.Enqueue(kind, new byte[60], 0, true).Accepted);
        }

        uint drift = outbox.Enqueue(MessageKind.Drift, new byte[60], 0, false).Sequence;

        // Large entries evict the droppable ones until the summary holds all eight kinds.
        for (int i = 0; i < 60 && (outbox.PeekDropReport()?.Kinds.Length ?? 0) < Outbox.SummarySlots; i++)
        {
            Assert.True(outbox.Enqueue(MessageKind.CommandResult, new byte[300], 0, false).Accepted);
        }

        Assert.Equal(Outbox.SummarySlots, outbox.PeekDropReport()!.Kinds.Length);
        uint dropped = outbox.DroppedTotal;
        Assert.Contains((drift, MessageKind.Drift), Pending(outbox));

        Assert.Equal(1, outbox.Withdraw(MessageKind.Drift));

        Assert.DoesNotContain(Pending(outbox), p => p.Kind == MessageKind.Drift);
        Assert.Equal(dropped, outbox.DroppedTotal); // no slot to report it in
        Assert.DoesNotContain(Pending(Open(storage)), p => p.Kind == MessageKind.Drift);
    }
}
