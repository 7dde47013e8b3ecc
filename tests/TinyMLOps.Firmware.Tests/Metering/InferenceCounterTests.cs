using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.Metering;

public class InferenceCounterTests
{
    private const string File = MeterOptions.DefaultCounterFile;

    private static InferenceCounter Open(MemoryStorage storage, uint boot = 1, int block = 8, int compactBytes = 4096) =>
        new(storage, File, boot, new MeterOptions { BlockSize = block, CounterLogCompactBytes = compactBytes });

    private static void Run(InferenceCounter counter, string model, string variant, int n, uint unix = 100)
    {
        for (int i = 0; i < n; i++)
        {
            counter.Reserve(model, variant, 0, false, unix);
            counter.Count(model, variant, 0, false, unix);
        }
    }

    [Fact]
    public void Counts_inside_a_reserved_block_write_nothing_and_each_new_block_is_one_append()
    {
        var storage = new MemoryStorage();
        var counter = Open(storage);
        Run(counter, "kws", "v1", 8);
        var op = Assert.Single(storage.Journal);
        Assert.Equal(("append", File), (op.Operation, op.Name));
        Run(counter, "kws", "v1", 1);
        Assert.Equal(2, storage.Journal.Count);
        Assert.Equal(9UL, counter.Next("kws"));
        Assert.Equal(16UL, counter.Find("kws")!.End);
        Assert.Equal(2, counter.FlashWrites);
        Assert.Equal(2, counter.Reservations);
    }

    [Fact]
    public void After_a_restart_the_counter_resumes_at_the_reserved_end_and_marks_that_block_recovered()
    {
        var storage = new MemoryStorage();
        Run(Open(storage), "kws", "v1", 11);

        var reopened = Open(storage, boot: 2);
        var m = reopened.Find("kws")!;
        Assert.Equal(16UL, m.Next);
        Assert.Equal([false, true], Enumerable.Range(0, m.RecordCount).Select(i => m.Record(i).Recovered));

        Run(reopened, "kws", "v1", 1);
        Assert.Equal(17UL, reopened.Next("kws"));
        Assert.True(m.Last!.AfterOpen);
        Assert.Equal(2u, m.Last.BootCount);

        // The mark survives a second restart: the block of boot 1 stays recovered, boot 2's last block too.
        var again = Open(storage, boot: 3).Find("kws")!;
        Assert.Equal([false, true, true], Enumerable.Range(0, again.RecordCount).Select(i => again.Record(i).Recovered));
        Assert.Equal(24UL, again.Next);
    }

    [Fact]
    public void A_checkpoint_gives_the_unused_reservation_back_so_a_planned_restart_over_counts_nothing()
    {
        var storage = new MemoryStorage();
        var counter = Open(storage);
        Run(counter, "kws", "v1", 11);
        Run(counter, "vww", "v1", 3);
        counter.Checkpoint(200);
        Assert.Equal(2 + 1 + 2, counter.Appends);

        var reopened = Open(storage, boot: 2);
        Assert.Equal(11UL, reopened.Next("kws"));
        Assert.Equal(3UL, reopened.Next("vww"));
        var m = reopened.Find("kws")!;
        Assert.False(m.Record(m.RecordCount - 2).Recovered);
        Assert.Equal(m.Last!.Start, m.Last.End);
    }

    [Fact]
    public void A_change_of_variant_token_or_grace_inside_a_block_appends_a_record_with_the_same_reserved_end()
    {
        var storage = new MemoryStorage();
        var counter = Open(storage);
        Run(counter, "kws", "v1", 3);
        counter.Count("kws", "v2", 0, false, 101);
        counter.Count("kws", "v2", 7, false, 102);
        counter.Count("kws", "v2", 7, true, 103);
        counter.Count("kws", "v2", 7, true, 104);
        var m = counter.Find("kws")!;
        Assert.Equal(4, m.RecordCount);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(8UL, m.Record(i).End));
        Assert.Equal([0UL, 3UL, 4UL, 5UL], Enumerable.Range(0, 4).Select(i => m.Record(i).Start));
        Assert.Equal(104u, m.Last!.LastUnix);
        Assert.Equal(7UL, m.Next);
    }

    [Fact]
    public void A_torn_append_is_cut_off_at_open_and_its_reservation_was_never_used()
    {
        var storage = new MemoryStorage();
        var counter = Open(storage);
        Run(counter, "kws", "v1", 8);
        storage.CutNextWrite(20);
        Assert.Throws<PowerLossException>(() => counter.Reserve("kws", "v1", 0, false, 100));

        var reopened = Open(storage, boot: 2);
        Assert.Equal(8UL, reopened.Next("kws"));
        Assert.Equal(20, reopened.RepairedBytes);
        Assert.Equal(reopened.FileBytes, storage.Length(File));
        Run(reopened, "kws", "v1", 1);
        Assert.Equal(9UL, Open(storage, boot: 3).Find("kws")!.Record(1).Start + 1);
    }

    [Fact]
    public void A_corrupt_record_ends_the_log_there_and_later_records_are_dropped()
    {
        var storage = new MemoryStorage();
        Run(Open(storage), "kws", "v1", 24);
        int recordLength = storage.Length(File) / 3;
        storage.Corrupt(File, recordLength + 10);

        var reopened = Open(storage, boot: 2);
        Assert.Equal(8UL, reopened.Next("kws"));
        Assert.Equal(2 * recordLength, reopened.RepairedBytes);
    }

    [Fact]
    public void Compaction_keeps_only_records_not_yet_receipted_and_the_counter_survives_it()
    {
        var storage = new MemoryStorage();
        var counter = Open(storage, compactBytes: 400);
        for (int round = 0; round < 20; round++)
        {
            Run(counter, "kws", round % 2 == 0 ? "v1" : "v2", 13);
            counter.MarkReceipted("kws", counter.Next("kws") - 5);
        }

        Assert.True(counter.Compactions > 3, counter.Compactions + " compactions");
        Assert.True(storage.Length(File) <= 400 + 60, storage.Length(File) + " bytes");
        Assert.Equal(counter.Appends + (2 * counter.Compactions), counter.FlashWrites);
        counter.Compact(true);
        var m = counter.Find("kws")!;
        Assert.True(m.Record(0).Start <= m.Receipted && m.EffectiveEnd(0) > m.Receipted);

        var reopened = Open(storage, boot: 2);
        Assert.Equal(m.End, reopened.Next("kws"));
        Assert.Equal(m.RecordCount, reopened.Find("kws")!.RecordCount);
    }

    [Fact]
    public void A_compaction_cut_before_its_rename_keeps_the_old_log_and_one_cut_inside_a_delete_first_rename_adopts_the_new_one()
    {
        foreach (bool deleteFirst in new[] { false, true })
        {
            var storage = new MemoryStorage { RenameDeletesTargetFirst = deleteFirst };
            var counter = Open(storage, compactBytes: 100_000);
            Run(counter, "kws", "v1", 40);
            counter.MarkReceipted("kws", 30);
            storage.CutPowerAt(storage.Journal.Count + 1, 0);
            Assert.Throws<PowerLossException>(() => counter.Compact(true));
            Assert.True(storage.Exists(File + ".tmp"));

            var reopened = Open(storage, boot: 2);
            Assert.Equal(40UL, reopened.Next("kws"));
            Assert.False(storage.Exists(File + ".tmp"));
            Assert.Equal(deleteFirst ? 2 : 5, reopened.Find("kws")!.RecordCount);
        }
    }

    [Fact]
    public void Raise_moves_a_counter_that_lost_its_log_above_what_was_receipted()
    {
        var storage = new MemoryStorage();
        var counter = Open(storage);
        counter.Raise("kws", 500, 100);
        Assert.Equal(500UL, counter.Next("kws"));
        Run(counter, "kws", "v1", 1);
        Assert.Equal(501UL, counter.Next("kws"));
        Assert.Equal(508UL, Open(storage, boot: 2).Next("kws"));
    }

    [Fact]
    public void The_number_of_models_is_bounded_and_ids_must_fit_a_string_field()
    {
        var counter = new InferenceCounter(new MemoryStorage(), File, 1, new MeterOptions { MaxModels = 2 });
        Run(counter, "a", "v", 1);
        Run(counter, "b", "v", 1);
        Assert.False(counter.CanMeter("c"));
        Assert.True(counter.CanMeter("a"));
        Assert.Throws<ArgumentException>(() => counter.Reserve("c", "v", 0, false, 1));
        Assert.Throws<ArgumentException>(() => counter.Count("a", "", 0, false, 1));
        Assert.False(counter.CanMeter(new string('x', 256)));
    }
}
