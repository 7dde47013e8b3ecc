using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.Learning;

public class SampleStoreTests
{
    private const string File = "samples.dat";
    private const uint Fingerprint = 0xC0FFEE;

    private static SampleStore Open(MemoryStorage storage, int capacity = 8, int saveEvery = 1000, int featureLength = 4, uint fingerprint = Fingerprint)
    {
        var store = new SampleStore(storage, File, capacity, saveEvery);
        store.Load(fingerprint, featureLength, 0.5f, -1);
        return store;
    }

    private static sbyte[] Features(int sample, int length) => [.. Enumerable.Range(0, length).Select(i => (sbyte)(((sample * 31) + (i * 7)) % 255 - 127))];

    private static List<(sbyte[] Features, int Label)> Contents(SampleStore store)
    {
        var list = new List<(sbyte[], int)>();
        for (int i = 0; i < store.Count; i++)
        {
            var f = new sbyte[store.FeatureLength];
            store.CopyFeatures(i, f, 0);
            list.Add((f, store.Label(i)));
        }

        return list;
    }

    [Fact]
    public void A_full_ring_overwrites_the_oldest_sample_and_keeps_the_order()
    {
        var store = Open(new MemoryStorage(), capacity: 3);
        for (int s = 0; s < 5; s++)
        {
            store.Add(Features(s, 4), 0, s);
        }

        Assert.Equal(3, store.Count);
        var contents = Contents(store);
        Assert.Equal([2, 3, 4], contents.Select(c => c.Label));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Features(i + 2, 4), contents[i].Features);
        }

        // Dequantized with the load's scale and zero point; the newest-two view starts at the fourth sample added.
        var output = new float[4];
        store.Features(0, output);
        Assert.Equal((Features(2, 4)[1] + 1) * 0.5f, output[1]);
        var latest = store.Latest(2);
        Assert.Equal(2, latest.Count);
        Assert.Equal(3, latest.Label(0));
        Assert.Equal(3, store.Latest(10).Count);
    }

    [Fact]
    public void Samples_survive_a_restart_and_are_saved_only_every_n_adds()
    {
        var storage = new MemoryStorage();
        var store = Open(storage, capacity: 100, saveEvery: 10, featureLength: 64);
        for (int s = 0; s < 95; s++)
        {
            store.Add(Features(s, 64), 0, s % 7);
        }

        Assert.Equal(9, store.Saves);
        Assert.Equal(5, store.UnsavedAdds);
        var restarted = Open(storage, capacity: 100, featureLength: 64);
        Assert.Equal(90, restarted.Count);

        store.Save();
        store.Save(); // nothing new: no write
        Assert.Equal(10, store.Saves);
        restarted = Open(storage, capacity: 100, featureLength: 64);
        Assert.Equal(Contents(store), Contents(restarted), new SampleComparer());
        Assert.Equal("", restarted.Discarded);

        // 95 samples of 65 bytes span two file parts.
        Assert.True(storage.Length(File) > LargeFileWriter.DefaultPartBytes);
    }

    [Fact]
    public void Another_extractor_fingerprint_or_feature_length_discards_the_file()
    {
        var storage = new MemoryStorage();
        var store = Open(storage);
        store.Add(Features(1, 4), 0, 1);
        store.Save();

        var other = Open(storage, fingerprint: Fingerprint + 1);
        Assert.Equal(0, other.Count);
        Assert.Equal("features of another extractor", other.Discarded);
        Assert.False(storage.Exists(File));

        store.Save(); // nothing unsaved: the file stays deleted
        Assert.False(storage.Exists(File));
        store.Add(Features(2, 4), 0, 2);
        store.Save();
        var longer = Open(storage, featureLength: 5);
        Assert.Equal(0, longer.Count);
        Assert.NotEqual("", longer.Discarded);

        // Bound to a new extractor, the same store starts over.
        store.Add(Features(3, 4), 0, 3);
        Assert.Equal(3, store.Count);
        Assert.Equal(0, store.Load(Fingerprint + 7, 4, 0.5f, -1));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void A_corrupt_file_is_discarded_and_the_store_starts_empty()
    {
        var storage = new MemoryStorage();
        var store = Open(storage);
        for (int s = 0; s < 5; s++)
        {
            store.Add(Features(s, 4), 0, s);
        }

        store.Save();
        storage.Corrupt(File, 12);

        var reopened = Open(storage);
        Assert.Equal(0, reopened.Count);
        Assert.Equal("torn or corrupt", reopened.Discarded);
        Assert.False(storage.Exists(File));
    }

    [Fact]
    public void A_file_without_its_end_record_is_discarded()
    {
        var storage = new MemoryStorage();
        var store = Open(storage);
        store.Add(Features(1, 4), 0, 1);
        store.Save();
        storage.Truncate(File, storage.Length(File) - 16);

        Assert.Equal(0, Open(storage).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_power_cut_during_a_save_leaves_the_old_samples_or_the_new_never_a_mix(bool renameDeletesTargetFirst)
    {
        static SampleStore Filled(MemoryStorage storage, int count)
        {
            var store = Open(storage, capacity: 200, featureLength: 40);
            for (int s = 0; s < count; s++)
            {
                store.Add(Features(s, 40), 0, s % 10);
            }

            return store;
        }

        var baseline = new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst };
        Filled(baseline, 60).Save();
        int start = baseline.Journal.Count;
        var newer = Filled(baseline, 150);
        newer.Save();
        var oldContents = Contents(Filled(new MemoryStorage(), 60));
        var newContents = Contents(newer);
        var saveOps = baseline.Journal.Skip(start).ToList();
        Assert.True(saveOps.Count(op => op.Operation == "append") >= 2, "the save spans several parts");

        int cases = 0;
        for (int cut = 0; cut < saveOps.Count; cut++)
        {
            foreach (int keep in new[] { 0, saveOps[cut].Bytes / 2, saveOps[cut].Bytes }.Distinct())
            {
                var storage = new MemoryStorage { RenameDeletesTargetFirst = renameDeletesTargetFirst };
                Filled(storage, 60).Save();
                var store = Filled(storage, 150);
                storage.CutPowerAt(start + cut, keep);
                Assert.Throws<PowerLossException>(store.Save);

                var reopened = Open(storage, capacity: 200, featureLength: 40);
                var contents = Contents(reopened);
                bool renamed = saveOps[cut].Operation == "rename" && (keep > 0 || renameDeletesTargetFirst);
                Assert.Equal(renamed ? newContents : oldContents, contents, new SampleComparer());
                cases++;
            }
        }

        Assert.True(cases > 6, cases + " cases");
    }

    private sealed class SampleComparer : IEqualityComparer<(sbyte[] Features, int Label)>
    {
        public bool Equals((sbyte[] Features, int Label) x, (sbyte[] Features, int Label) y) => x.Label == y.Label && x.Features.SequenceEqual(y.Features);

        public int GetHashCode((sbyte[] Features, int Label) obj) => obj.Label;
    }
}
