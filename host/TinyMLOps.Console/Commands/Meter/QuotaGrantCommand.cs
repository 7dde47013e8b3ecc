using TinyMLOps.Web.Queries;
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
            var keys = QuotaGrants.Keys(parse.GetValue(key), $"pass --master-key or set {DeviceKeys.EnvironmentVariable}");
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            var request = QuotaGrants.Request(parse.GetValue(device)!, parse.GetValue(model)!, parse.GetValue(allowance), parse.GetValue(expires)!, parse.GetValue(policy)!, parse.GetValue(grace), "--policy");
            var t = await QuotaGrants.GrantAsync(store, keys, request, ct);
            console.MarkupLineInterpolated($"token {t.TokenId} for {t.DeviceId}: {t.Allowance:N0} inferences of {t.ModelId} until {t.ExpiresAt:u}, past it {t.Policy}{(t.GraceAllowance > 0 ? $" ({t.GraceAllowance:N0} on grace)" : "")}");
            console.MarkupLineInterpolated($"queued as command {t.CommandId} ({QuotaToken.CommandName}); the host sends it when the device is online");
            return 0;
        });
        return command;
    }
}
