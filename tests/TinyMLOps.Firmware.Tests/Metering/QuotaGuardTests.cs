using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Metering;

public class QuotaGuardTests
{
    private sealed class Rig
    {
        public MemoryStorage Storage { get; } = new();

        public ListSink Sink { get; } = new();

        public FakeClock Clock { get; } = new();

        public MeterOptions Options { get; } = new() { BlockSize = 16 };

        public DeviceMeter Meter { get; private set; } = null!;

        private uint _boot;

        public Rig() => Restart();

        public DeviceMeter Restart()
        {
            Clock.Reboot();
            Meter = new DeviceMeter(Storage, MeterKeys.DeviceId, MeterKeys.Device, ++_boot, Clock, Sink, Options);
            return Meter;
        }

        public int Grant(QuotaToken token) => Meter.Quota.Accept(token.Encode(), Clock.UnixSeconds);

        /// <summary>Decides and, when it runs, counts; returns the decisions in order.</summary>
        public List<MeterDecision> Run(string model, int n)
        {
            var decisions = new List<MeterDecision>();
            for (int i = 0; i < n; i++)
            {
                var d = Meter.Decide(model);
                decisions.Add(d);
                if (MeterDecisions.Runs(d))
                {
                    Meter.Count(model, model + "-int8", Clock.UnixSeconds);
                }

                Clock.Advance(1000);
            }

            return decisions;
        }
    }

    private static int CountOf(List<MeterDecision> decisions, MeterDecision decision) => decisions.Count(d => d == decision);

    [Fact]
    public void A_forged_token_is_refused_as_bad_tag()
    {
        var rig = new Rig();
        Assert.Equal(TokenVerdict.BadTag, rig.Grant(MeterKeys.Token(1, key: MeterKeys.Other)));
        var altered = MeterKeys.Token(1);
        altered.Allowance = 1_000_000;
        Assert.Equal(TokenVerdict.BadTag, rig.Grant(altered));
        Assert.Null(rig.Meter.Quota.Find("kws"));
        Assert.Equal(0u, rig.Meter.Quota.HighestTokenId);
    }

    [Fact]
    public void A_token_for_another_device_is_refused_even_when_its_tag_holds()
    {
        var rig = new Rig();
        Assert.Equal(TokenVerdict.WrongDevice, rig.Grant(MeterKeys.Token(1, deviceId: "dev-2")));
        Assert.Equal(0, rig.Meter.Quota.AcceptedCount);
    }

    [Fact]
    public void A_replayed_or_older_token_is_refused_as_replayed()
    {
        var rig = new Rig();
        Assert.Equal(TokenVerdict.Accepted, rig.Grant(MeterKeys.Token(5)));
        Assert.Equal(TokenVerdict.Replayed, rig.Grant(MeterKeys.Token(5)));
        Assert.Equal(TokenVerdict.Replayed, rig.Grant(MeterKeys.Token(4, model: "vww")));
        Assert.Equal(TokenVerdict.Accepted, rig.Grant(MeterKeys.Token(6)));

        // The highest id survives a restart, so a replay after it is still caught.
        rig.Restart();
        Assert.Equal(TokenVerdict.Replayed, rig.Grant(MeterKeys.Token(6)));
        Assert.Equal(6u, rig.Meter.Quota.HighestTokenId);
    }

    [Fact]
    public void A_token_already_expired_on_arrival_is_refused_as_expired_and_a_malformed_one_as_malformed()
    {
        var rig = new Rig();
        Assert.Equal(TokenVerdict.Expired, rig.Grant(MeterKeys.Token(1, issuedAt: 1_600_000_000, expiresAt: rig.Clock.UnixSeconds)));
        Assert.Equal(TokenVerdict.Malformed, rig.Meter.Quota.Accept([1, 2, 3], rig.Clock.UnixSeconds));
        Assert.Equal(TokenVerdict.Accepted, rig.Grant(MeterKeys.Token(2, expiresAt: rig.Clock.UnixSeconds + 1)));
    }

    [Fact]
    public void The_quota_grant_command_answers_ok_or_refused_with_the_reason_as_detail()
    {
        var rig = new Rig();
        var dispatcher = new CommandDispatcher(rig.Storage, "commands.dat", 8);
        dispatcher.Register(QuotaToken.CommandName, rig.Meter.Quota);
        var ok = dispatcher.Dispatch(new CommandPayload { CommandId = 1, Name = QuotaToken.CommandName, Arguments = MeterKeys.Token(3).Encode() });
        var replay = dispatcher.Dispatch(new CommandPayload { CommandId = 2, Name = QuotaToken.CommandName, Arguments = MeterKeys.Token(3).Encode() });
        var forged = dispatcher.Dispatch(new CommandPayload { CommandId = 3, Name = QuotaToken.CommandName, Arguments = MeterKeys.Token(9, key: MeterKeys.Other).Encode() });
        Assert.Equal((CommandResultPayload.Ok, "accepted"), (ok.Status, ok.Detail));
        Assert.Equal((CommandResultPayload.Refused, "replayed"), (replay.Status, replay.Detail));
        Assert.Equal((CommandResultPayload.Refused, "bad-tag"), (forged.Status, forged.Detail));
    }

    [Fact]
    public void Policy_refuse_stops_the_model_once_the_allowance_is_used_up()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(1, allowance: 30, policy: QuotaToken.PolicyRefuse));
        var decisions = rig.Run("kws", 40);
        Assert.Equal(Enumerable.Repeat(MeterDecision.Allow, 30).Concat(Enumerable.Repeat(MeterDecision.Refuse, 10)), decisions);
        Assert.Equal(30UL, rig.Meter.CounterOf("kws"));
        Assert.Equal(10, rig.Meter.Refused);
    }

    [Fact]
    public void Policy_free_variant_answers_use_the_free_variant_which_is_not_counted()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(1, allowance: 30, policy: QuotaToken.PolicyFreeVariant));
        var decisions = rig.Run("kws", 40);
        Assert.Equal(30, CountOf(decisions, MeterDecision.Allow));
        Assert.Equal(10, CountOf(decisions, MeterDecision.UseFreeVariant));
        Assert.Equal(30UL, rig.Meter.CounterOf("kws"));
        Assert.Equal(10, rig.Meter.FreeVariantDecisions);
    }

    [Fact]
    public void Policy_grace_allows_the_grace_allowance_more_and_the_receipts_carry_it_as_grace()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(7, allowance: 30, policy: QuotaToken.PolicyGrace, grace: 5));
        var decisions = rig.Run("kws", 40);
        Assert.Equal(Enumerable.Repeat(MeterDecision.Allow, 30).Concat(Enumerable.Repeat(MeterDecision.AllowOnGrace, 5)).Concat(Enumerable.Repeat(MeterDecision.Refuse, 5)), decisions);
        rig.Meter.Flush(rig.Clock.UnixSeconds);
        var chain = ReceiptLedger.Verify(rig.Sink.Taken);
        Assert.Equal([(0UL, 30u, 0u, 7u), (30UL, 5u, 5u, 7u)], chain.Select(r => (r.First, r.Count, r.GraceCount, r.QuotaTokenId)));
    }

    [Fact]
    public void An_expired_token_applies_its_policy_by_the_device_clock()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(1, allowance: 1000, policy: QuotaToken.PolicyGrace, grace: 3, expiresAt: rig.Clock.UnixSeconds + 10));
        var decisions = rig.Run("kws", 15);
        Assert.Equal(Enumerable.Repeat(MeterDecision.Allow, 10).Concat(Enumerable.Repeat(MeterDecision.AllowOnGrace, 3)).Concat(Enumerable.Repeat(MeterDecision.Refuse, 2)), decisions);
    }

    [Fact]
    public void Tokens_of_a_model_are_used_one_after_the_other_and_a_new_grant_ends_the_overrun()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(1, allowance: 10));
        rig.Grant(MeterKeys.Token(2, allowance: 5));
        Assert.Equal(2, rig.Meter.Quota.Find("kws")!.TokenCount);
        var decisions = rig.Run("kws", 17);
        Assert.Equal(15, CountOf(decisions, MeterDecision.Allow));
        Assert.Equal(MeterDecision.Refuse, decisions[^1]);

        rig.Grant(MeterKeys.Token(3, allowance: 2));
        Assert.Equal([MeterDecision.Allow, MeterDecision.Allow, MeterDecision.Refuse], rig.Run("kws", 3));
        rig.Meter.Flush(rig.Clock.UnixSeconds);
        Assert.Equal([(1u, 10u), (2u, 5u), (3u, 2u)], ReceiptLedger.Verify(rig.Sink.Taken).Select(r => (r.QuotaTokenId, r.Count)));
    }

    [Fact]
    public void The_number_of_unused_tokens_per_model_is_bounded()
    {
        var rig = new Rig();
        for (uint id = 1; id <= 4; id++)
        {
            Assert.Equal(TokenVerdict.Accepted, rig.Grant(MeterKeys.Token(id)));
        }

        Assert.Equal(TokenVerdict.TooManyTokens, rig.Grant(MeterKeys.Token(5)));
        Assert.Equal(TokenVerdict.Accepted, rig.Grant(MeterKeys.Token(6, model: "vww")));
    }

    [Fact]
    public void Quota_state_survives_a_restart_and_a_restart_never_gives_allowance_back()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(1, allowance: 40, policy: QuotaToken.PolicyRefuse));
        rig.Run("kws", 20);
        rig.Restart();

        // The block in use (16) is taken as used: 32 counted, 8 left.
        Assert.Equal(32UL, rig.Meter.CounterOf("kws"));
        var q = rig.Meter.Quota.Find("kws")!;
        Assert.Equal(8UL, q.Remaining(rig.Meter.CounterOf("kws")));
        Assert.Equal(8, CountOf(rig.Run("kws", 12), MeterDecision.Allow));
        rig.Restart();
        Assert.Equal(MeterDecision.Refuse, rig.Meter.Decide("kws"));
    }

    [Fact]
    public void Without_any_token_a_model_runs_metered_unless_a_token_is_required()
    {
        var rig = new Rig();
        Assert.Equal(MeterDecision.Allow, rig.Meter.Decide("kws"));
        rig.Meter.Options.RequireToken = true;
        Assert.Equal(MeterDecision.Refuse, rig.Meter.Decide("vww"));
        rig.Grant(MeterKeys.Token(1, model: "vww", allowance: 1));
        Assert.Equal(MeterDecision.Allow, rig.Meter.Decide("vww"));
    }

    [Fact]
    public void Deciding_writes_nothing_until_a_token_is_used_up()
    {
        var rig = new Rig();
        rig.Grant(MeterKeys.Token(1, allowance: 100));
        int before = rig.Meter.Quota.FlashWrites;
        rig.Run("kws", 99);
        Assert.Equal(before, rig.Meter.Quota.FlashWrites);
        rig.Run("kws", 2);
        Assert.Equal(before + 2, rig.Meter.Quota.FlashWrites);
    }
}
