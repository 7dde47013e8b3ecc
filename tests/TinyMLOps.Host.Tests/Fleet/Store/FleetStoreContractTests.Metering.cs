using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Fleet.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static IngestRecord ReceiptMessage(string device, long seq, string fleet = "fleet-a") =>
        new(fleet, device, seq, MessageKind.UsageReceipt, 0, T0.AddSeconds(seq), [9, (byte)seq]);

    private static MeterReceiptRecord Row(string device, long msg, long receiptSeq, string model, long first, long count, string status, long billedAt = 1_000, long grace = 0) =>
        new(device, msg, receiptSeq, model, model + "-v1", first, count, grace, billedAt - 60, billedAt, 1, 0, 0, [.. Enumerable.Repeat((byte)msg, 32)], new byte[32], status, "None", "", status != MeterStatus.Pending, T0, billedAt, T0);

    private static MeterCommit Commit(string device, long expectedVersion, long next, params MeterReceiptRecord[] rows) =>
        new(expectedVersion, MeterDeviceState.Initial(device) with { NextSeq = next, HeadHash = [.. Enumerable.Repeat((byte)next, 32)] }, [], rows, [], [], []);

    [StoreFact]
    public async Task Unprocessed_receipts_are_those_without_a_ledger_row()
    {
        await Store.IngestAsync([ReceiptMessage("d1", 1), ReceiptMessage("d1", 2), Heartbeat("d1", 3), ReceiptMessage("d1", 4), ReceiptMessage("d2", 1)]);
        Assert.Equal(["d1", "d2"], await Store.DevicesWithUnprocessedReceiptsAsync());
        Assert.Equal([1L, 2L, 4L], (await Store.UnprocessedReceiptsAsync("d1", 10)).Select(m => m.Sequence));
        Assert.Equal([1L, 2L], (await Store.UnprocessedReceiptsAsync("d1", 2)).Select(m => m.Sequence));

        Assert.True(await Store.CommitMeterAsync(Commit("d1", 0, 2, Row("d1", 1, 1, "kws", 0, 10, MeterStatus.Accepted), Row("d1", 4, 3, "kws", 20, 10, MeterStatus.Pending))));
        Assert.Equal([2L], (await Store.UnprocessedReceiptsAsync("d1", 10)).Select(m => m.Sequence));
        Assert.Equal(["d1", "d2"], await Store.DevicesWithUnprocessedReceiptsAsync());
        Assert.Equal(["d1"], await Store.MeterDevicesWithPendingAsync());

        var snapshot = await Store.MeterSnapshotAsync("d1");
        Assert.Equal((1L, 2L, 4L), (snapshot.Device.Version, snapshot.Device.NextSeq, snapshot.NewestMessageSeq));
        Assert.Equal([4L], snapshot.Pending.Select(p => p.MessageSeq));
        Assert.Equal(Enumerable.Repeat((byte)4, 32), snapshot.Pending[0].Hash);
    }

    [StoreFact]
    public async Task A_meter_commit_applies_only_at_the_version_it_read()
    {
        var initial = (await Store.MeterSnapshotAsync("d1")).Device;
        Assert.Equal((0L, 1L, false), (initial.Version, initial.NextSeq, initial.Flagged));
        Assert.Equal(new byte[32], initial.HeadHash);
        Assert.True(await Store.CommitMeterAsync(Commit("d1", 0, 2, Row("d1", 1, 1, "kws", 0, 10, MeterStatus.Accepted))));

        // A second worker that read version 0 too loses, and writes nothing.
        Assert.False(await Store.CommitMeterAsync(Commit("d1", 0, 2, Row("d1", 2, 1, "kws", 0, 10, MeterStatus.Accepted))));
        FleetStore other = await OpenAsync();
        Assert.False(await other.CommitMeterAsync(Commit("d1", 7, 9)));
        Assert.Single(await Store.MeterReceiptsAsync("d1"));

        var flagged = Commit("d1", 1, 3, Row("d1", 2, 2, "kws", 10, 5, MeterStatus.Rejected)) with
        {
            Models = [new MeterModelState("d1", "kws", 15, 0, 940, 1)],
            Findings = [new MeterFindingRecord(0, "d1", "Gap", false, 5, 7, 2, "receipts 5..7 missing", T0, null), new MeterFindingRecord(0, "d1", "Overlap", true, 2, 2, 2, "evidence", T0, null)],
        };
        flagged = flagged with { Device = flagged.Device with { Flagged = true, FlagReason = "Overlap at receipt 2", FlaggedAt = T0 } };
        Assert.True(await other.CommitMeterAsync(flagged));

        var snapshot = await Store.MeterSnapshotAsync("d1");
        Assert.Equal((2L, 3L, true, "Overlap at receipt 2", T0), (snapshot.Device.Version, snapshot.Device.NextSeq, snapshot.Device.Flagged, snapshot.Device.FlagReason, snapshot.Device.FlaggedAt!.Value));
        Assert.Equal(Enumerable.Repeat((byte)3, 32), snapshot.Device.HeadHash);
        Assert.Equal(new MeterModelState("d1", "kws", 15, 0, 940, 1), Assert.Single(await Store.MeterModelsAsync("d1")));
        var gap = Assert.Single(snapshot.OpenGaps);
        Assert.Equal((5L, 7L), (gap.ReceiptSeq, gap.LastReceiptSeq));
        Assert.Equal(["Overlap", "Gap"], (await Store.MeterFindingsAsync("d1")).Select(x => x.Reason));

        // Updates and a resolved gap.
        var resolve = new MeterCommit(2, snapshot.Device, [], [], [new MeterReceiptUpdate(2, MeterStatus.Accepted, "LateFill", "placed", true)], [], [gap.FindingId]);
        Assert.True(await Store.CommitMeterAsync(resolve));
        Assert.Empty((await Store.MeterSnapshotAsync("d1")).OpenGaps);
        var row = (await Store.MeterReceiptsBySeqAsync("d1", [2, 99])).Single();
        Assert.Equal((MeterStatus.Accepted, "LateFill", "placed", true), (row.Status, row.Reason, row.Detail, row.InChain));
        Assert.Equal([2L], (await Store.MeterOverlapsAsync("d1", "kws", 12, 13)).Select(r => r.ReceiptSeq));
        Assert.Empty(await Store.MeterOverlapsAsync("d1", "kws", 15, 20));
        Assert.Empty(await Store.MeterOverlapsAsync("d1", "other", 0, 100));
    }

    [StoreFact]
    public async Task Usage_sums_per_customer_device_model_and_status_within_a_period()
    {
        await Store.RegisterDeviceAsync(new DeviceRegistration("d1", "lab", "esp32-s3", null));
        await Store.RegisterDeviceAsync(new DeviceRegistration("d2", "lab", "esp32-s3", null));
        await Store.CommitMeterAsync(Commit("d1", 0, 4, Row("d1", 1, 1, "kws", 0, 10, MeterStatus.Accepted, 1_000, grace: 2), Row("d1", 2, 2, "kws", 10, 5, MeterStatus.Accepted, 2_000), Row("d1", 3, 3, "kws", 15, 7, MeterStatus.Untrusted, 2_500)));
        await Store.CommitMeterAsync(Commit("d2", 0, 3, Row("d2", 1, 1, "vision", 0, 100, MeterStatus.Accepted, 1_500), Row("d2", 2, 2, "vision", 100, 1, MeterStatus.Rejected, 1_500)));
        await Store.SetCustomerAsync("d2", "acme");

        var all = await Store.MeterUsageAsync(new MeterUsageQuery());
        Assert.Equal(
            [("acme", "d2", "vision", MeterStatus.Accepted, 1L, 100L, 0L), ("lab", "d1", "kws", MeterStatus.Accepted, 2L, 15L, 2L), ("lab", "d1", "kws", MeterStatus.Untrusted, 1L, 7L, 0L)],
            all.Select(u => (u.Customer, u.DeviceId, u.ModelId, u.Status, u.Receipts, u.Inferences, u.GraceInferences)));
        Assert.All(all, u => Assert.Equal("lab", u.Fleet));

        var period = await Store.MeterUsageAsync(new MeterUsageQuery(Since: DateTimeOffset.FromUnixTimeSeconds(1_500), Until: DateTimeOffset.FromUnixTimeSeconds(2_500)));
        Assert.Equal([("d2", 100L), ("d1", 5L)], period.Select(u => (u.DeviceId, u.Inferences)));
        Assert.Equal(["acme"], (await Store.MeterUsageAsync(new MeterUsageQuery(Customer: "acme"))).Select(u => u.Customer));
        Assert.Empty(await Store.MeterUsageAsync(new MeterUsageQuery(Fleet: "other")));

        Assert.Equal(new Dictionary<string, string> { ["d2"] = "acme" }, await Store.CustomersAsync());
        await Store.SetCustomerAsync("d2", null);
        Assert.Empty(await Store.CustomersAsync());
    }

    [StoreFact]
    public async Task Clearing_a_flag_bills_or_writes_off_the_held_receipts()
    {
        var flagged = Commit("d1", 0, 3, Row("d1", 1, 1, "kws", 0, 10, MeterStatus.Accepted), Row("d1", 2, 2, "kws", 10, 10, MeterStatus.Untrusted));
        Assert.True(await Store.CommitMeterAsync(flagged with { Device = flagged.Device with { Flagged = true, FlagReason = "Fork at receipt 2", FlaggedAt = T0 } }));
        Assert.Equal(-1, await Store.ClearMeterFlagAsync("nobody", "n/a", true, T0));

        Assert.Equal(1, await Store.ClearMeterFlagAsync("d1", "investigated", billHeld: true, T0.AddHours(1)));
        var state = (await Store.MeterDevicesAsync()).Single();
        Assert.Equal((false, T0.AddHours(1), "investigated", 2L), (state.Flagged, state.ClearedAt!.Value, state.ClearNote, state.Version));
        Assert.All(await Store.MeterReceiptsAsync("d1"), r => Assert.Equal(MeterStatus.Accepted, r.Status));
        Assert.Equal(-1, await Store.ClearMeterFlagAsync("d1", "again", true, T0));

        var again = Commit("d1", 2, 4, Row("d1", 3, 3, "kws", 20, 10, MeterStatus.Untrusted));
        Assert.True(await Store.CommitMeterAsync(again with { Device = again.Device with { Flagged = true, FlagReason = "BadTag", FlaggedAt = T0 } }));
        Assert.Equal(1, await Store.ClearMeterFlagAsync("d1", "written off", billHeld: false, T0));
        Assert.Equal(MeterStatus.WrittenOff, (await Store.MeterReceiptsAsync("d1")).Single(r => r.MessageSeq == 3).Status);
    }

    [StoreFact]
    public async Task Quota_token_ids_strictly_increase_and_a_grant_carries_its_command_result()
    {
        var ids = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add(await Store.NextQuotaTokenIdAsync("d1"));
        }

        Assert.Equal([1L, 2L, 3L], ids);
        FleetStore other = await OpenAsync();
        long[] racing = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).NextQuotaTokenIdAsync("d1"))));
        Assert.Equal(Enumerable.Range(4, 20).Select(i => (long)i), racing.Order());
        Assert.Equal(1L, await other.NextQuotaTokenIdAsync("d2"));

        var token = new QuotaTokenRecord("d1", 24, "kws", 1_000, T0, T0.AddDays(7), 3, 50, 0, null, null, null, null);
        long command = await Store.RecordQuotaGrantAsync(token, "quota-grant", [1, 2, 3]);
        var queued = (await Store.GetCommandAsync(command))!;
        Assert.Equal("quota-grant", queued.Name);
        Assert.Equal([1, 2, 3], queued.Arguments);
        await Store.MarkCommandSentAsync(command, T0.AddMinutes(1));
        await Store.CompleteCommandAsync(command, CommandResultPayload.Refused, "expired", T0.AddMinutes(2));

        var got = Assert.Single(await Store.QuotaTokensAsync("d1"));
        Assert.Equal(token with { CommandId = command, SentAt = T0.AddMinutes(1), ResultStatus = CommandResultPayload.Refused, ResultDetail = "expired", AnsweredAt = T0.AddMinutes(2) }, got);
        Assert.Empty(await Store.QuotaTokensAsync("d2"));
        Assert.Single(await Store.QuotaTokensAsync());
    }

    [StoreFact]
    public async Task Two_ledgers_verifying_one_device_at_once_classify_each_receipt_once()
    {
        byte[] key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i + 40))];
        var chain = new DeviceChain("d1", key);
        var receipts = Enumerable.Range(0, 120).Select(i => chain.Next(i % 2 == 0 ? "kws" : "vision", (uint)(i + 1))).ToList();
        await Store.IngestAsync([.. receipts.Select((r, i) => ReceiptMessage("d1", i + 1) with { Payload = r.Encode() })]);

        var options = new LedgerOptions { BatchSize = 9 };
        FleetStore other = await OpenAsync();
        var ledgers = new[] { new ReceiptLedger(Store, _ => key, options), new ReceiptLedger(other, _ => key, options) };
        var totals = await Task.WhenAll(ledgers.Select(l => Task.Run(() => l.ProcessDeviceAsync("d1"))));

        Assert.Equal(120, totals.Sum(t => t.Classified));
        var rows = await Store.MeterReceiptsAsync("d1");
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), rows.Select(r => r.MessageSeq));
        Assert.All(rows, r => Assert.Equal(MeterStatus.Accepted, r.Status));
        var usage = await Store.MeterUsageAsync(new MeterUsageQuery());
        Assert.Equal(receipts.Where(r => r.ModelId == "kws").Sum(r => (long)r.Count), usage.Single(u => u.ModelId == "kws").Inferences);
        Assert.Equal(121L, (await Store.MeterSnapshotAsync("d1")).Device.NextSeq);
    }
}
