using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>Quota tokens from the issuer, checked by the device's own guard (decode, tag, device, id, expiry).</summary>
public sealed class QuotaIssuerTests : IDisposable
{
    private readonly string _deviceDir = Directory.CreateTempSubdirectory("tinymlops-quota-device-").FullName;

    public void Dispose() => Directory.Delete(_deviceDir, recursive: true);

    [Fact]
    public async Task A_token_is_queued_as_a_quota_grant_the_device_accepts_and_its_answer_is_recorded()
    {
        await using var f = await LedgerFixture.StartAsync();
        var issuer = new QuotaIssuer(f.Store, f.Keys, time: f.Time);
        var grant = await issuer.GrantAsync(new QuotaGrantRequest("dev-1", "kws", 1_000, TimeSpan.FromDays(7), QuotaToken.PolicyGrace, 50));

        var command = Assert.Single(await f.Store.PendingCommandsAsync("dev-1"));
        Assert.Equal((grant.CommandId, QuotaToken.CommandName), (command.CommandId, command.Name));
        var token = QuotaToken.Decode(command.Arguments);
        Assert.True(token.VerifyTag(f.Keys.For("dev-1")));
        Assert.Equal(("dev-1", "kws", 1u, 1_000UL, QuotaToken.PolicyGrace, 50u), (token.DeviceId, token.ModelId, token.TokenId, token.Allowance, token.OverrunPolicy, token.GraceAllowance));
        Assert.Equal((uint)(f.Time.Now + TimeSpan.FromDays(7)).ToUnixTimeSeconds(), token.ExpiresAt);
        Assert.False(grant.SentNow);

        var (guard, _) = Guard(f, "dev-1");
        int status = guard.Handle(new CommandPayload { CommandId = (uint)command.CommandId, Name = command.Name, Arguments = command.Arguments }, out string detail);
        Assert.Equal((CommandResultPayload.Ok, "accepted"), (status, detail));
        await f.Store.CompleteCommandAsync(command.CommandId, status, detail, f.Time.Now);

        var recorded = Assert.Single(await issuer.TokensAsync("dev-1"));
        Assert.Equal((1L, 1_000L, CommandResultPayload.Ok, "accepted"), (recorded.TokenId, recorded.Allowance, recorded.ResultStatus!.Value, recorded.ResultDetail));
    }

    [Fact]
    public async Task Token_ids_strictly_increase_per_device_across_issuers_and_restarts()
    {
        await using var f = await LedgerFixture.StartAsync();
        var request = new QuotaGrantRequest("dev-1", "kws", 10, TimeSpan.FromHours(1));
        var ids = new List<uint>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add((await new QuotaIssuer(f.Store, f.Keys, time: f.Time).GrantAsync(request)).Token.TokenId);
        }

        Assert.Equal(1u, (await new QuotaIssuer(f.Store, f.Keys, time: f.Time).GrantAsync(request with { DeviceId = "dev-2" })).Token.TokenId);

        // Two workers issuing at once, on a reopened store, never share an id.
        var a = new QuotaIssuer(await f.OpenStoreAsync(), f.Keys, time: f.Time);
        var b = new QuotaIssuer(await f.OpenStoreAsync(), f.Keys, time: f.Time);
        var racing = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).GrantAsync(request))));
        ids.AddRange(racing.Select(g => g.Token.TokenId).Order());

        Assert.Equal(Enumerable.Range(1, 13).Select(i => (uint)i), ids);
        Assert.Equal(13, (await f.Store.QuotaTokensAsync("dev-1")).Count);
    }

    [Fact]
    public async Task Forged_replayed_cross_device_and_expired_tokens_are_all_refused_by_the_device_with_their_reason()
    {
        await using var f = await LedgerFixture.StartAsync();
        var issuer = new QuotaIssuer(f.Store, f.Keys, time: f.Time);
        var (guard, clock) = Guard(f, "dev-1");
        var first = await issuer.GrantAsync(new QuotaGrantRequest("dev-1", "kws", 100, TimeSpan.FromDays(1)));
        Assert.Equal(TokenVerdict.Accepted, guard.Accept(first.Token.Encode(), clock.Now));

        var raised = QuotaToken.Decode((await issuer.GrantAsync(new QuotaGrantRequest("dev-1", "kws", 100, TimeSpan.FromDays(1)))).Token.Encode());
        raised.Allowance = 1_000_000; // altered after signing
        var forOther = await issuer.GrantAsync(new QuotaGrantRequest("dev-2", "kws", 100, TimeSpan.FromDays(1)));
        var misaddressed = QuotaToken.Decode(forOther.Token.Encode());
        misaddressed.TokenId = 99;
        misaddressed.Sign(f.Keys.For("dev-1")); // the device's own key, naming another device
        var expiring = await issuer.GrantAsync(new QuotaGrantRequest("dev-1", "kws", 100, TimeSpan.FromHours(1)));
        byte[] truncated = first.Token.Encode()[..30];

        var hostile = new (byte[] Encoding, int Verdict, uint At)[]
        {
            (raised.Encode(), TokenVerdict.BadTag, clock.Now),
            (forOther.Token.Encode(), TokenVerdict.BadTag, clock.Now),
            (misaddressed.Encode(), TokenVerdict.WrongDevice, clock.Now),
            (first.Token.Encode(), TokenVerdict.Replayed, clock.Now),
            (expiring.Token.Encode(), TokenVerdict.Expired, clock.Now + 7200),
            (truncated, TokenVerdict.Malformed, clock.Now),
        };
        foreach (var (encoding, verdict, at) in hostile)
        {
            Assert.Equal(TokenVerdict.Name(verdict), TokenVerdict.Name(guard.Accept(encoding, at)));
        }

        Assert.Equal(1, guard.AcceptedCount);
        Assert.Equal(hostile.Length, guard.RefusedCount);

        // The refusal goes back as the command result and shows on the token.
        var command = (await f.Store.PendingCommandsAsync("dev-1")).Single(c => c.CommandId == first.CommandId);
        int status = guard.Handle(new CommandPayload { CommandId = (uint)command.CommandId, Name = command.Name, Arguments = command.Arguments }, out string detail);
        await f.Store.CompleteCommandAsync(command.CommandId, status, detail, f.Time.Now);
        var recorded = (await issuer.TokensAsync("dev-1")).Single(t => t.TokenId == first.Token.TokenId);
        Assert.Equal((CommandResultPayload.Refused, "replayed"), (recorded.ResultStatus!.Value, recorded.ResultDetail));
    }

    [Fact]
    public async Task A_device_flagged_by_the_ledger_gets_no_new_tokens_until_the_flag_is_cleared()
    {
        await using var f = await LedgerFixture.StartAsync();
        var d = f.Device("dev-1");
        var forged = d.Next("kws", 5);
        forged.Sign(new byte[32]);
        await f.SendAsync("dev-1", forged);
        var ledger = f.Ledger();
        await ledger.ProcessDeviceAsync("dev-1");

        var issuer = new QuotaIssuer(f.Store, f.Keys, time: f.Time);
        var request = new QuotaGrantRequest("dev-1", "kws", 10, TimeSpan.FromDays(1));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => issuer.GrantAsync(request));
        Assert.Contains("quota is cut", refused.Message);
        Assert.Empty(await f.Store.PendingCommandsAsync("dev-1"));

        await ledger.ClearFlagAsync("dev-1", "key rotated", billHeld: false);
        Assert.Equal(1u, (await issuer.GrantAsync(request)).Token.TokenId);
    }

    [Fact]
    public async Task Requests_that_a_device_could_not_enforce_are_refused()
    {
        await using var f = await LedgerFixture.StartAsync();
        var issuer = new QuotaIssuer(f.Store, f.Keys, time: f.Time);
        var ok = new QuotaGrantRequest("dev-1", "kws", 10, TimeSpan.FromDays(1));
        await Assert.ThrowsAsync<ArgumentException>(() => issuer.GrantAsync(ok with { Policy = QuotaToken.PolicyGrace }));
        await Assert.ThrowsAsync<ArgumentException>(() => issuer.GrantAsync(ok with { GraceAllowance = 5 }));
        await Assert.ThrowsAsync<ArgumentException>(() => issuer.GrantAsync(ok with { ValidFor = TimeSpan.Zero }));
        await Assert.ThrowsAsync<ArgumentException>(() => issuer.GrantAsync(ok with { Policy = 9 }));
        Assert.Empty(await f.Store.QuotaTokensAsync());
    }

    private (QuotaGuard Guard, FixedClock Clock) Guard(LedgerFixture f, string deviceId)
    {
        var clock = new FixedClock { Now = (uint)f.Time.Now.ToUnixTimeSeconds() + 10 };
        var meter = new DeviceMeter(new DirectoryStorage(Path.Combine(_deviceDir, deviceId)), deviceId, f.Keys.For(deviceId), 1, clock, new ListSink(), new MeterOptions());
        return (meter.Quota, clock);
    }
}
