using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Sync;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Metering;

public class AgentMeteringTests
{
    private static AgentRig KeyedRig(int seed = 3) => new(seed, c => c.ArtifactKey = MeterKeys.Device);

    private static List<UsageReceipt> HostChain(AgentRig rig) =>
        ReceiptLedger.Verify(rig.Host.StoredOfKind(MessageKind.UsageReceipt).Select(m => m.Payload));

    [Fact]
    public void An_agent_without_a_key_has_no_meter_and_counts_as_before()
    {
        var rig = new AgentRig();
        Assert.Null(rig.Agent.Meter);
        rig.Agent.CountInference();
        Assert.Equal(1u, rig.Agent.Inferences);
        Assert.False(rig.Agent.Commands.IsRegistered(QuotaToken.CommandName));
    }

    [Fact]
    public void Seven_days_offline_then_one_sync_bills_exactly_the_inferences_counted()
    {
        var rig = KeyedRig();
        rig.Transport.Online = false;
        Assert.True(rig.Agent.Commands.IsRegistered(QuotaToken.CommandName));
        const int Minutes = 7 * 24 * 60;
        for (int minute = 0; minute < Minutes; minute++)
        {
            rig.Clock.Advance(60_000);
            Assert.Equal(MeterDecision.Allow, rig.Agent.Meter.Decide(rig.Config.ModelId));
            rig.Agent.CountInference();
            rig.Agent.Poll();
        }

        Assert.Equal(0, rig.Transport.Connects);
        rig.Transport.Online = true;
        rig.Clock.Advance(rig.Config.BackoffMaxMillis);
        rig.SyncUntilEmpty();

        var chain = HostChain(rig);
        Assert.Equal((ulong)Minutes, ReceiptLedger.Covered(chain, "kws"));
        Assert.Equal((ulong)Minutes, rig.Agent.Meter.ReceiptedUpTo("kws"));
        Assert.All(chain, r => Assert.Equal(("kws", "kws", 0), (r.VariantId, r.ModelId, r.Flags)));

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
            rig.Agent.Meter.Decide("kws");
            rig.Agent.CountInference();
        }

        rig.Reboot();
        for (int i = 0; i < 10; i++)
        {
            rig.Clock.Advance(1000);
            rig.Agent.Meter.Decide("kws");
            rig.Agent.CountInference();
        }

        rig.Transport.Online = true;
        rig.SyncUntilEmpty();
        var chain = HostChain(rig);
        ulong billed = ReceiptLedger.Covered(chain, "kws");
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
        var token = MeterKeys.Token(1, "kws", allowance: 2);
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 70, Name = QuotaToken.CommandName, Arguments = token.Encode() }.Encode());
        rig.Deliver(MessageKind.Command, new CommandPayload { CommandId = 71, Name = QuotaToken.CommandName, Arguments = token.Encode() }.Encode());
        rig.SyncUntilEmpty();

        var results = rig.Host.StoredOfKind(MessageKind.CommandResult).Select(m => CommandResultPayload.Decode(m.Payload)).ToDictionary(r => r.CommandId);
        Assert.Equal((CommandResultPayload.Ok, "accepted"), (results[70].Status, results[70].Detail));
        Assert.Equal((CommandResultPayload.Refused, "replayed"), (results[71].Status, results[71].Detail));
        Assert.Equal([MeterDecision.Allow, MeterDecision.Allow, MeterDecision.Refuse], Enumerable.Range(0, 3).Select(_ =>
        {
            var d = rig.Agent.Meter.Decide("kws");
            if (MeterDecisions.Runs(d))
            {
                rig.Agent.CountInference();
            }

            return d;
        }));
    }
}
