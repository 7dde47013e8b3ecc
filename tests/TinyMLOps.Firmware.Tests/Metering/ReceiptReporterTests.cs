using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Tests.App;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Metering;

/// <summary>Metered inference through the runtime, receipts through the sync loop.</summary>
public class ReceiptReporterTests
{
    /// <summary>The model of the runtime: model id "brightest", variant "v1".</summary>
    private static readonly byte[] Model = TestModels.Build("v1", 1);

    private static readonly byte[] Sample = [10, 200, 30];

    private static DeviceRig KeyedRig(int seed = 3) => new(seed, c => c.ArtifactKey = MeterKeys.Device, model: Model);

    private static List<UsageReceipt> HostChain(DeviceRig rig) =>
        ReceiptLedger.Verify(rig.Host.StoredOfKind(MessageKind.UsageReceipt).Select(m => m.Payload));

    [Fact]
    public void A_device_without_a_key_has_no_meter_and_counts_its_inferences()
    {
        var rig = new DeviceRig(model: Model);
        Assert.Null(rig.Device.Meter);
        Assert.Equal(InferenceOutcome.Ran, rig.Runtime!.Infer(Sample));
        Assert.Equal(1u, rig.Device.Activity.Inferences);
        Assert.False(rig.Device.Commands.IsRegistered(QuotaToken.CommandName));
    }

    [Fact]
    public void Seven_days_offline_then_one_sync_bills_exactly_the_inferences_counted()
    {
        var rig = KeyedRig();
        rig.Transport.Online = false;
        Assert.True(rig.Device.Commands.IsRegistered(QuotaToken.CommandName));
        const int Minutes = 7 * 24 * 60;
        for (int minute = 0; minute < Minutes; minute++)
        {
            rig.Clock.Advance(60_000);
            Assert.Equal(InferenceOutcome.Ran, rig.Runtime!.Infer(Sample));
            rig.Poll();
        }

        Assert.Equal(0, rig.Transport.Connects);
        rig.Transport.Online = true;
        rig.Clock.Advance(rig.Config.BackoffMaxMillis);
        rig.SyncUntilEmpty();

        var chain = HostChain(rig);
        Assert.Equal((ulong)Minutes, ReceiptLedger.Covered(chain, "brightest"));
        Assert.Equal((ulong)Minutes, rig.Device.Meter.ReceiptedUpTo("brightest"));
        Assert.All(chain, r => Assert.Equal(("v1", "brightest", 0), (r.VariantId, r.ModelId, r.Flags)));

        // Cut by window age: a poll an hour after a range's first inference, which by then holds 61 of them.
        Assert.All(chain.SkipLast(1), r => Assert.Equal((61u, 3600u), (r.Count, r.WindowEnd - r.WindowStart)));
        Assert.Equal(Minutes / 61, chain.Count - 1);
        Assert.Empty(rig.Host.Violations);
    }

    [Fact]
    public void A_reboot_while_offline_over_counts_at_most_one_block_and_the_receipt_says_so()
    {
        var rig = KeyedRig(4);
        rig.Transport.Online = false;
        for (int i = 0; i < 100; i++)
        {
            rig.Clock.Advance(1000);
            rig.Runtime!.Infer(Sample);
        }

        rig.Reboot();
        for (int i = 0; i < 10; i++)
        {
            rig.Clock.Advance(1000);
            rig.Runtime!.Infer(Sample);
        }

        rig.Transport.Online = true;
        rig.SyncUntilEmpty();
        var chain = HostChain(rig);
        ulong billed = ReceiptLedger.Covered(chain, "brightest");
        Assert.InRange(billed, 110UL, 110UL + 64);
        Assert.Equal(128UL + 10, billed);
        Assert.Equal([true, false], chain.Select(r => r.Recovered));
        Assert.Equal([1u, 2u], chain.Select(r => r.BootCount));
    }

    [Fact]
    public void A_quota_grant_command_reaches_the_guard_and_its_result_goes_back()
    {
        var rig = KeyedRig(5);
        rig.SyncUntilEmpty();
        var token = MeterKeys.Token(1, "brightest", allowance: 2);
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 70, Name = QuotaToken.CommandName, Arguments = token.Encode() }.Encode());
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 71, Name = QuotaToken.CommandName, Arguments = token.Encode() }.Encode());
        rig.SyncUntilEmpty();

        var results = rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).ToDictionary(r => r.CommandId);
        Assert.Equal((CommandResultPayload.Ok, "accepted"), (results[70].Status, results[70].Detail));
        Assert.Equal((CommandResultPayload.Refused, "replayed"), (results[71].Status, results[71].Detail));
        Assert.Equal([InferenceOutcome.Ran, InferenceOutcome.Ran, InferenceOutcome.Refused], Enumerable.Range(0, 3).Select(_ => rig.Runtime!.Infer(Sample)));
    }
}
