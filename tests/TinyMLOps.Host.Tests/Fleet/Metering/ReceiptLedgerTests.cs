using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>The ledger against honest and hostile receipt streams, on a real SQLite store.</summary>
public sealed class ReceiptLedgerTests
{
    [Fact]
    public async Task Receipts_in_order_are_verified_and_billed_per_model()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        await f.SendAsync("dev-1", d.Next("kws", 100), d.Next("vision", 7), d.Next("kws", 50, grace: 5));

        var totals = await f.Ledger().ProcessDeviceAsync("dev-1");

        Assert.Equal(3, totals.Billable);
        Assert.Equal(150, await f.BilledAsync("dev-1", "kws"));
        Assert.Equal(7, await f.BilledAsync("dev-1", "vision"));
        var rows = await f.Store.MeterReceiptsAsync("dev-1");
        Assert.All(rows, r => Assert.Equal((MeterStatus.Accepted, nameof(ReceiptReason.None), true), (r.Status, r.Reason, r.InChain)));
        var state = (await f.Store.MeterSnapshotAsync("dev-1")).Device;
        Assert.Equal(4, state.NextSeq);
        Assert.False(state.Flagged);
        var bill = await Billing.ComputeAsync(f.Store, PriceList.Standard, new MeterUsageQuery());
        Assert.Equal(5, bill.Lines.Single(l => l.ModelId == "kws").GraceInferences);
        Assert.Empty(await f.Store.MeterFindingsAsync("dev-1"));
    }

    [Fact]
    public async Task Rejects_forged_receipts_flags_the_device_and_holds_its_later_receipts_until_cleared()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var good = d.Next("kws", 10);

        // Signed with a key that is not the device's, and a genuine receipt with its count raised after signing.
        var forged = d.Make(2, "kws", 10, 1_000);
        forged.Sign(f.Keys.For("someone-else"));
        var altered = d.Make(2, "kws", 10, 5);
        altered.Count = 5_000;
        var sent = await f.SendAsync("dev-1", good, forged, altered);
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        foreach (var m in sent.Skip(1))
        {
            var row = await f.RowAsync("dev-1", m.Sequence);
            Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.BadTag)), (row.Status, row.Reason));
        }

        var state = (await f.Store.MeterSnapshotAsync("dev-1")).Device;
        Assert.True(state.Flagged);
        Assert.StartsWith("BadTag at receipt 2", state.FlagReason);
        Assert.Equal(2, (await f.Store.MeterFindingsAsync("dev-1")).Count(x => x.Reason == nameof(ReceiptReason.BadTag) && x.Serious));

        // The device's real receipt 2 is verified but untrusted: recorded, not billed, until an operator clears the flag.
        var later = await f.SendAsync("dev-1", d.Next("kws", 20));
        await ledger.ProcessDeviceAsync("dev-1");
        Assert.Equal(MeterStatus.Untrusted, (await f.RowAsync("dev-1", later[0].Sequence)).Status);
        Assert.Equal(10, await f.BilledAsync("dev-1", "kws"));
        var held = await Billing.ComputeAsync(f.Store, PriceList.Standard, new MeterUsageQuery());
        Assert.Equal(20, held.HeldInferences);

        Assert.Equal(1, await ledger.ClearFlagAsync("dev-1", "checked the device, tampering was a test rig", billHeld: true));
        Assert.Equal(30, await f.BilledAsync("dev-1", "kws"));
        Assert.False((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.ClearFlagAsync("dev-1", "again", billHeld: true));
    }

    [Fact]
    public async Task A_replayed_receipt_is_recorded_as_a_replay_and_billed_once()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 40);
        var r2 = d.Next("kws", 60);
        await f.SendAsync("dev-1", r1, r2);
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        // The same bytes in new envelopes (a resend or a replay attack), once after the ledger verified them and once held.
        var replays = await f.SendAsync("dev-1", r1, r2, r2);
        var totals = await ledger.ProcessDeviceAsync("dev-1");

        Assert.Equal(3, totals[ReceiptReason.Replay]);
        foreach (var m in replays)
        {
            var row = await f.RowAsync("dev-1", m.Sequence);
            Assert.Equal((MeterStatus.Replay, nameof(ReceiptReason.Replay)), (row.Status, row.Reason));
        }

        Assert.Equal(100, await f.BilledAsync("dev-1", "kws"));
        Assert.False((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
    }

    [Fact]
    public async Task Reordered_receipts_are_held_until_the_gap_fills_then_billed_in_full()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r = Enumerable.Range(0, 5).Select(i => d.Next(i % 2 == 0 ? "kws" : "vision", (uint)(10 + i))).ToArray();
        var ledger = f.Ledger();

        // The outbox resends after a reconnect: 1, then 4 and 5 ahead of 2 and 3.
        await f.SendAsync("dev-1", r[0], r[3], r[4]);
        await ledger.ProcessDeviceAsync("dev-1");
        var held = (await f.Store.MeterReceiptsAsync("dev-1")).Where(x => x.Status == MeterStatus.Pending).ToList();
        Assert.Equal([4L, 5L], held.Select(x => x.ReceiptSeq));
        Assert.All(held, x => Assert.Equal(nameof(ReceiptReason.Reordered), x.Reason));
        Assert.Equal(10, await f.BilledAsync("dev-1", "kws"));

        await f.SendAsync("dev-1", r[2]);
        await ledger.ProcessDeviceAsync("dev-1");
        Assert.Equal(3, (await f.Store.MeterReceiptsAsync("dev-1")).Count(x => x.Status == MeterStatus.Pending));

        await f.SendAsync("dev-1", r[1]);
        await ledger.ProcessDeviceAsync("dev-1");
        var rows = await f.Store.MeterReceiptsAsync("dev-1");
        Assert.All(rows, x => Assert.Equal(MeterStatus.Accepted, x.Status));
        Assert.Equal(10 + 12 + 14, await f.BilledAsync("dev-1", "kws"));
        Assert.Equal(11 + 13, await f.BilledAsync("dev-1", "vision"));
        Assert.Equal(6, (await f.Store.MeterSnapshotAsync("dev-1")).Device.NextSeq);
        Assert.Empty(await f.Store.MeterFindingsAsync("dev-1"));
    }

    [Fact]
    public async Task Truncated_and_malformed_receipts_are_rejected_as_malformed()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        byte[] encoding = d.Make(1, "kws", 0, 10).Encode();
        byte[] trailing = [.. encoding[..^32], 0x00, .. encoding[^32..]];
        var payloads = new[] { encoding[..(encoding.Length / 2)], encoding[..20], Array.Empty<byte>(), trailing, [2, .. encoding[1..]] };
        var sent = await f.SendRawAsync("dev-1", payloads);

        var totals = await f.Ledger().ProcessDeviceAsync("dev-1");

        Assert.Equal(payloads.Length, totals[ReceiptReason.Malformed]);
        foreach (var m in sent)
        {
            var row = await f.RowAsync("dev-1", m.Sequence);
            Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.Malformed)), (row.Status, row.Reason));
            Assert.Contains("do not decode", row.Detail);
        }

        Assert.Equal(0, await f.BilledAsync("dev-1", "kws"));
        Assert.False((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
    }

    [Fact]
    public async Task A_forked_receipt_flags_the_device_with_both_receipts_as_evidence()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 10);
        var r2 = d.Next("kws", 20);
        var sent = await f.SendAsync("dev-1", r1, r2);
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        // A second receipt 2 with a valid tag: same position, other content.
        var fork = d.Make(2, "kws", 10, 3, prevHash: r1.Hash());
        var forkSent = await f.SendAsync("dev-1", fork);
        var totals = await ledger.ProcessDeviceAsync("dev-1");

        Assert.Equal(1, totals[ReceiptReason.Fork]);
        var row = await f.RowAsync("dev-1", forkSent[0].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.Fork), false), (row.Status, row.Reason, row.InChain));
        var finding = (await f.Store.MeterFindingsAsync("dev-1")).Single();
        Assert.True(finding.Serious);
        Assert.Contains($"message {sent[1].Sequence}", finding.Detail);
        Assert.Contains(Convert.ToHexStringLower(r2.Hash())[..16], finding.Detail);
        Assert.Contains(Convert.ToHexStringLower(fork.Hash())[..16], finding.Detail);
        Assert.True((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
        Assert.Equal(30, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_gap_is_declared_only_after_newer_messages_and_the_grace_and_a_late_receipt_then_fills_it()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r = Enumerable.Range(0, 4).Select(_ => d.Next("kws", 25)).ToArray();
        var ledger = f.Ledger(grace: TimeSpan.FromMinutes(15));
        await f.SendAsync("dev-1", r[0], r[2], r[3]);
        await ledger.ProcessDeviceAsync("dev-1");

        // Newer messages alone are not enough, nor is the grace alone.
        await f.SendHeartbeatAsync("dev-1");
        await ledger.ProcessDeviceAsync("dev-1");
        Assert.DoesNotContain(await f.Store.MeterFindingsAsync("dev-1"), x => x.Reason == nameof(ReceiptReason.Gap));

        f.Time.Now += TimeSpan.FromMinutes(16);
        await ledger.ProcessDeviceAsync("dev-1");
        var gap = Assert.Single(await f.Store.MeterFindingsAsync("dev-1"), x => x.Reason == nameof(ReceiptReason.Gap));
        Assert.Equal((2L, 2L, false), (gap.ReceiptSeq, gap.LastReceiptSeq, gap.Serious));
        Assert.Contains("receipts 2..2 missing", gap.Detail);
        Assert.Single(await f.Store.MeterFindingsAsync("dev-1"), x => x.Reason == nameof(ReceiptReason.RangeGap));
        Assert.Equal(75, await f.BilledAsync("dev-1", "kws"));
        Assert.Equal(5, (await f.Store.MeterSnapshotAsync("dev-1")).Device.NextSeq);

        // Receipt 2 comes after all: the hash link of receipt 3 places it, and the gap closes.
        var late = await f.SendAsync("dev-1", r[1]);
        var totals = await ledger.ProcessDeviceAsync("dev-1");
        Assert.Equal(1, totals[ReceiptReason.LateFill]);
        var row = await f.RowAsync("dev-1", late[0].Sequence);
        Assert.Equal((MeterStatus.Accepted, nameof(ReceiptReason.LateFill), true), (row.Status, row.Reason, row.InChain));
        Assert.Equal(100, await f.BilledAsync("dev-1", "kws"));
        Assert.NotNull((await f.Store.MeterFindingsAsync("dev-1")).Single(x => x.Reason == nameof(ReceiptReason.Gap)).ResolvedAt);
    }

    [Fact]
    public async Task A_late_receipt_that_does_not_link_into_the_gap_is_rejected()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 25);
        d.Next("kws", 25); // receipt 2, delivered only as a counterfeit below
        var r3 = d.Next("kws", 25);
        var ledger = f.Ledger(grace: TimeSpan.Zero);
        await f.SendAsync("dev-1", r1, r3);
        await f.SendHeartbeatAsync("dev-1");
        await ledger.ProcessDeviceAsync("dev-1");
        Assert.Single(await f.Store.MeterFindingsAsync("dev-1"), x => x.Reason == nameof(ReceiptReason.Gap));

        // Another receipt 2 with a valid tag but not the one receipt 3 chained on.
        var other = d.Make(2, "kws", 25, 24, prevHash: r1.Hash());
        var sent = await f.SendAsync("dev-1", other);
        await ledger.ProcessDeviceAsync("dev-1");
        var row = await f.RowAsync("dev-1", sent[0].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.ChainBroken)), (row.Status, row.Reason));
        Assert.Equal(50, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task An_overlapping_range_is_rejected_and_flags_the_device()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 100);
        var overlap = d.Make(2, "kws", 60, 80);
        d.Commit(overlap);
        var sent = await f.SendAsync("dev-1", r1, overlap, d.Next("kws", 10));
        await f.Ledger().ProcessDeviceAsync("dev-1");

        var row = await f.RowAsync("dev-1", sent[1].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.Overlap), true), (row.Status, row.Reason, row.InChain));
        Assert.Contains("overlaps [0, 100)", (await f.Store.MeterFindingsAsync("dev-1")).Single(x => x.Reason == nameof(ReceiptReason.Overlap)).Detail);
        Assert.True((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);

        // The chain went on; the next receipt (counter 140..150) is verified but untrusted while flagged.
        Assert.Equal(MeterStatus.Untrusted, (await f.RowAsync("dev-1", sent[2].Sequence)).Status);
        Assert.Equal(100, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_counter_rolled_back_by_a_restored_flash_image_is_rejected_as_a_rollback()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        await f.SendAsync("dev-1", d.Next("kws", 100), d.Next("kws", 100));
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        // The counter file is restored to its state after the first receipt; the chain state survived.
        d.SetCounter("kws", 100);
        var rolledBack = await f.SendAsync("dev-1", d.Next("kws", 50));
        var totals = await ledger.ProcessDeviceAsync("dev-1");

        Assert.Equal(1, totals[ReceiptReason.CounterRollback]);
        var row = await f.RowAsync("dev-1", rolledBack[0].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.CounterRollback)), (row.Status, row.Reason));
        Assert.Contains("the counter went back", row.Detail);
        Assert.True((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
        Assert.Equal(200, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_whole_flash_image_restored_from_a_backup_shows_as_a_fork_below_the_billed_counter()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 100);
        await f.SendAsync("dev-1", r1, d.Next("kws", 100));
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        // Chain and counter back to after receipt 1: the device signs a new receipt 2.
        var restored = f.Device("dev-1");
        restored.Commit(r1);
        var sent = await f.SendAsync("dev-1", restored.Next("kws", 30));
        await ledger.ProcessDeviceAsync("dev-1");

        var row = await f.RowAsync("dev-1", sent[0].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.Fork)), (row.Status, row.Reason));
        Assert.Contains("restored from a backup", row.Detail);
        Assert.True((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
        Assert.Equal(200, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_receipt_of_another_device_is_rejected_as_cross_device()
    {
        await using var f = await LedgerFixture.StartAsync();
        var victim = f.Device("dev-1");
        var copied = victim.Next("kws", 500);
        var sent = await f.SendAsync("dev-2", copied);
        var ledger = f.Ledger();
        var totals = await ledger.ProcessDeviceAsync("dev-2");

        Assert.Equal(1, totals[ReceiptReason.WrongDevice]);
        var row = await f.RowAsync("dev-2", sent[0].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.WrongDevice)), (row.Status, row.Reason));
        Assert.Contains("a copy of that device's receipt", row.Detail);
        Assert.Equal(0, await f.BilledAsync("dev-2", "kws"));

        // A receipt naming dev-2 but signed with dev-1's key fails the tag.
        var signedByOther = f.Device("dev-2").Make(1, "kws", 0, 5);
        signedByOther.Sign(victim.Key);
        var second = await f.SendAsync("dev-2", signedByOther);
        await ledger.ProcessDeviceAsync("dev-2");
        Assert.Equal(nameof(ReceiptReason.BadTag), (await f.RowAsync("dev-2", second[0].Sequence)).Reason);
        Assert.Equal(0, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_receipt_naming_the_wrong_previous_hash_breaks_the_chain_and_flags()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 10);
        var broken = d.Make(2, "kws", 10, 10, prevHash: new byte[32]);
        d.Commit(broken);
        var sent = await f.SendAsync("dev-1", r1, broken, d.Next("kws", 10));
        await f.Ledger().ProcessDeviceAsync("dev-1");

        var row = await f.RowAsync("dev-1", sent[1].Sequence);
        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.ChainBroken)), (row.Status, row.Reason));
        Assert.Contains(Convert.ToHexStringLower(r1.Hash())[..16], row.Detail);

        // The chain continues from the broken receipt, so only it is lost; receipt 3 is held as untrusted.
        var next = await f.RowAsync("dev-1", sent[2].Sequence);
        Assert.Equal((MeterStatus.Untrusted, nameof(ReceiptReason.None)), (next.Status, next.Reason));
        Assert.Equal(10, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_window_that_goes_back_within_one_boot_is_billed_with_a_finding_and_a_reboot_may_reset_the_clock()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 10);
        d.Clock -= 3600;
        var back = d.Next("kws", 10);
        d.Boot++;
        d.Clock -= 3600;
        var rebooted = d.Next("kws", 10);
        var sent = await f.SendAsync("dev-1", r1, back, rebooted);
        await f.Ledger().ProcessDeviceAsync("dev-1");

        // Its counter range continues the billed one, so nothing is billed twice: billed, with a finding, not a flag.
        Assert.Equal((MeterStatus.Accepted, nameof(ReceiptReason.WindowRegression)), ((await f.RowAsync("dev-1", sent[1].Sequence)).Status, (await f.RowAsync("dev-1", sent[1].Sequence)).Reason));
        Assert.Equal((MeterStatus.Accepted, nameof(ReceiptReason.None)), ((await f.RowAsync("dev-1", sent[2].Sequence)).Status, (await f.RowAsync("dev-1", sent[2].Sequence)).Reason));
        var finding = Assert.Single(await f.Store.MeterFindingsAsync("dev-1"));
        Assert.Equal((nameof(ReceiptReason.WindowRegression), false, 2L), (finding.Reason, finding.Serious, finding.ReceiptSeq));
        Assert.False((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
        Assert.Equal(30, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task A_recovered_receipt_whose_window_starts_before_the_previous_one_is_billed_with_an_informational_finding()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 10);

        // After a restart the device takes the rest of the block as used; the window starts when the block was
        // reserved, before r1's first inference, and the range was counted in the same boot as r1.
        var recovered = d.Make(2, "kws", 10, 54);
        recovered.Flags = UsageReceipt.FlagRecovered;
        recovered.WindowStart = r1.WindowStart - 300;
        recovered.Sign(d.Key);
        d.Commit(recovered);
        d.Boot++;
        var next = d.Next("kws", 5);
        var sent = await f.SendAsync("dev-1", r1, recovered, next);
        await f.Ledger().ProcessDeviceAsync("dev-1");

        var row = await f.RowAsync("dev-1", sent[1].Sequence);
        Assert.Equal((MeterStatus.Accepted, nameof(ReceiptReason.RecoveredOverlap)), (row.Status, row.Reason));
        Assert.Equal(MeterStatus.Accepted, (await f.RowAsync("dev-1", sent[2].Sequence)).Status);
        Assert.Equal(69, await f.BilledAsync("dev-1", "kws"));
        var finding = Assert.Single(await f.Store.MeterFindingsAsync("dev-1"));
        Assert.Equal((nameof(ReceiptReason.RecoveredOverlap), false, 2L), (finding.Reason, finding.Serious, finding.ReceiptSeq));
        Assert.Contains("lower bound", finding.Detail);
        Assert.False((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
    }

    [Fact]
    public async Task The_recovered_flag_excuses_only_the_window_a_recovered_range_that_overlaps_the_counter_still_flags()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 10);
        var r2 = d.Next("kws", 10);

        // A recovered receipt re-claiming counted values (as a restored image would) is an overlap, flag or not;
        // without the flag, a window that goes back within the boot is still a regression.
        var overlapping = d.Make(3, "kws", 15, 20);
        overlapping.Flags = UsageReceipt.FlagRecovered;
        overlapping.WindowStart = r2.WindowStart - 300;
        overlapping.Sign(d.Key);
        d.Commit(overlapping);
        var back = d.Make(4, "kws", 35, 5);
        back.WindowStart = r2.WindowStart - 600;
        back.Sign(d.Key);
        var sent = await f.SendAsync("dev-1", r1, r2, overlapping, back);
        await f.Ledger().ProcessDeviceAsync("dev-1");

        Assert.Equal((MeterStatus.Rejected, nameof(ReceiptReason.Overlap)), ((await f.RowAsync("dev-1", sent[2].Sequence)).Status, (await f.RowAsync("dev-1", sent[2].Sequence)).Reason));
        Assert.Equal(nameof(ReceiptReason.WindowRegression), (await f.RowAsync("dev-1", sent[3].Sequence)).Reason);
        Assert.True((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
        Assert.Equal(20, await f.BilledAsync("dev-1", "kws"));
    }

    [Fact]
    public async Task Every_hostile_receipt_is_rejected_or_flagged_with_its_reason()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var r1 = d.Next("kws", 100);
        var r2 = d.Next("kws", 100);
        await f.SendAsync("dev-1", r1, r2);
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        var forged = d.Make(3, "kws", 200, 10);
        forged.Sign(new byte[32]);
        byte[] truncated = d.Make(3, "kws", 200, 10).Encode()[..40];
        var cross = f.Device("dev-9").Next("kws", 10);
        var fork = d.Make(2, "kws", 100, 1, prevHash: r1.Hash());
        var hostile = new (byte[] Payload, ReceiptReason Expected)[]
        {
            (forged.Encode(), ReceiptReason.BadTag),
            (truncated, ReceiptReason.Malformed),
            (cross.Encode(), ReceiptReason.WrongDevice),
            (r1.Encode(), ReceiptReason.Replay),
            (fork.Encode(), ReceiptReason.Fork),
        };
        var sent = await f.SendRawAsync("dev-1", [.. hostile.Select(h => h.Payload)]);
        await ledger.ProcessDeviceAsync("dev-1");

        for (int i = 0; i < hostile.Length; i++)
        {
            var row = await f.RowAsync("dev-1", sent[i].Sequence);
            Assert.Equal(hostile[i].Expected.ToString(), row.Reason);
            Assert.NotEqual(MeterStatus.Accepted, row.Status);
        }

        Assert.Equal(200, await f.BilledAsync("dev-1", "kws"));
        Assert.True((await f.Store.MeterSnapshotAsync("dev-1")).Device.Flagged);
    }
}
