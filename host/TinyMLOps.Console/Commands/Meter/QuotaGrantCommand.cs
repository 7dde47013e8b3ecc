using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Shared.Metering;
using static TinyMLOps.Console.Commands.Meter.MeterCommand;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`quota grant DEVICE`: issues a signed quota token and queues it for the device (sent at its next hello).</summary>
internal static class QuotaGrantCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var device = new Argument<string>("device") { Description = "device id" };
        var model = new Option<string>("--model") { Description = "model id the allowance is for", Required = true };
        var allowance = new Option<ulong>("--allowance") { Description = "inferences", Required = true };
        var expires = new Option<string>("--expires-in") { Description = "validity, e.g. 7d, 12h, 30m", DefaultValueFactory = _ => "7d" };
        var policy = new Option<string>("--policy") { Description = "past the allowance: refuse, fallback (free variant) or grace", DefaultValueFactory = _ => "refuse" };
        var grace = new Option<uint>("--grace") { Description = "inferences allowed on grace (policy grace), billed later", DefaultValueFactory = _ => 0 };
        var command = new Command("grant", "Issue a signed quota token and queue it for the device (sent at its next hello)") { device, db, pg, key, model, allowance, expires, policy, grace };
        command.SetAction(async (parse, ct) =>
        {
            var keys = DeviceKeys.FromConfiguration(parse.GetValue(key))
                ?? throw new ArgumentException($"quota tokens are signed with the device keys: pass --master-key or set {DeviceKeys.EnvironmentVariable}");
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            var request = new QuotaGrantRequest(parse.GetValue(device)!, parse.GetValue(model)!, parse.GetValue(allowance), Duration(parse.GetValue(expires)!), Policy(parse.GetValue(policy)!), parse.GetValue(grace));
            var grant = await new QuotaIssuer(store, keys).GrantAsync(request, ct);
            var t = grant.Token;
            console.MarkupLineInterpolated($"token {t.TokenId} for {t.DeviceId}: {t.Allowance:N0} inferences of {t.ModelId} until {DateTimeOffset.FromUnixTimeSeconds(t.ExpiresAt):u}, past it {QuotaToken.PolicyName(t.OverrunPolicy)}{(t.GraceAllowance > 0 ? $" ({t.GraceAllowance:N0} on grace)" : "")}");
            console.MarkupLineInterpolated($"queued as command {grant.CommandId} ({QuotaToken.CommandName}); the host sends it when the device is online");
            return 0;
        });
        return command;
    }

    public static int Policy(string name) => name.ToLowerInvariant() switch
    {
        "refuse" => QuotaToken.PolicyRefuse,
        "fallback" or "free-variant" => QuotaToken.PolicyFreeVariant,
        "grace" => QuotaToken.PolicyGrace,
        _ => throw new ArgumentException($"--policy is refuse, fallback or grace, not '{name}'"),
    };
}
