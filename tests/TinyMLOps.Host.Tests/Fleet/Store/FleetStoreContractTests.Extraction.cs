using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static QuerySignalRecord Signal(string device, long seq, long start, long count, string model = "kws", long observed = -1) =>
        new(device, seq, model, model + "-int8", start, start + 3599, count, observed < 0 ? count : observed, count / 10, count / 5, count / 4, 360, T0.AddSeconds(seq));

    [StoreFact]
    public async Task Query_signals_are_stored_once_per_receipt_and_read_back_by_window_and_arrival()
    {
        await Store.RecordQuerySignalsAsync([Signal("d-1", 1, 1_000, 100), Signal("d-1", 2, 4_600, 200), Signal("d-2", 1, 1_000, 50)]);
        await Store.RecordQuerySignalsAsync([Signal("d-1", 2, 4_600, 999)]); // a resent receipt changes nothing

        var all = await Store.QuerySignalsAsync("d-1", 0);
        Assert.Equal([1L, 2L], all.Select(s => s.ReceiptSeq));
        Assert.Equal(Signal("d-1", 2, 4_600, 200), all[1]);
        Assert.Equal([2L], (await Store.QuerySignalsAsync("d-1", 5_000)).Select(s => s.ReceiptSeq));
        Assert.Equal([2L], (await Store.QuerySignalsAsync("d-1", 0, T0.AddSeconds(1))).Select(s => s.ReceiptSeq));
        Assert.Equal(8_199L, await Store.LatestSignalWindowEndAsync("d-1"));
        Assert.Null(await Store.LatestSignalWindowEndAsync("d-9"));

        var rates = await Store.QueryRatesAsync("kws", 0);
        Assert.Equal([("d-1", 300L, 1_000L, 8_199L), ("d-2", 50L, 1_000L, 4_599L)], rates);
        Assert.Empty(await Store.QueryRatesAsync("other", 0));
    }

    [StoreFact]
    public async Task An_extraction_suspect_is_upserted_listed_flagged_first_and_cleared_only_while_flagged()
    {
        var normal = new ExtractionSuspectRecord("d-1", SuspectStates.Normal, 0, "none", "kws", 400, 360, 350, 360, 0.1, 0, 0.01, false, T0, null, null, string.Empty);
        var flagged = new ExtractionSuspectRecord("d-2", SuspectStates.Flagged, 3, "rate 20x; ood 50%", "kws", 9_000, 7_200, 7_000, 360, 0.05, 0.5, 0.45, true, T0, T0, null, string.Empty);
        await Store.UpsertExtractionSuspectAsync(normal);
        await Store.UpsertExtractionSuspectAsync(flagged);
        await Store.UpsertExtractionSuspectAsync(normal with { Observed = 500 });

        Assert.Equal(normal with { Observed = 500 }, await Store.GetExtractionSuspectAsync("d-1"));
        Assert.Equal(flagged, await Store.GetExtractionSuspectAsync("d-2"));
        Assert.Null(await Store.GetExtractionSuspectAsync("d-3"));
        Assert.Equal(["d-2", "d-1"], (await Store.ExtractionSuspectsAsync()).Select(s => s.DeviceId));

        Assert.False(await Store.ClearExtractionSuspectAsync("d-1", "not flagged", T0.AddHours(1)));
        Assert.True(await Store.ClearExtractionSuspectAsync("d-2", "lab test rig", T0.AddHours(1)));
        var cleared = (await Store.GetExtractionSuspectAsync("d-2"))!;
        Assert.Equal((SuspectStates.Cleared, false, "lab test rig", T0.AddHours(1)), (cleared.State, cleared.QuotaCut, cleared.Note, cleared.ClearedAt));
        Assert.False(await Store.ClearExtractionSuspectAsync("d-2", "again", T0.AddHours(2)));
    }
}
