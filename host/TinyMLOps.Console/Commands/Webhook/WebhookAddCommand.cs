using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Webhooks;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>`webhook add URL [--events a,b]`: subscribes a URL and prints its signing secret, once.</summary>
internal static class WebhookAddCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), WebhookCommand.MasterKey());
        var url = new Argument<string>("url") { Description = "http:// or https:// URL the events are posted to" };
        var events = new Option<string?>("--events") { Description = $"comma list of event types (default: all): {string.Join(", ", FleetEventTypes.All)}" };
        var command = new Command("add", "Subscribe a URL to fleet events; prints the signing secret once") { url, db, pg, key, events };
        command.SetAction(async (parse, ct) =>
        {
            string target = WebhookUrl.Check(parse.GetValue(url));
            string types = FleetEventTypes.Normalize(parse.GetValue(events));
            var keys = WebhookCommand.Keys(parse.GetValue(key));
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            var (subscription, secret) = await new WebhookSubscriptions(store, keys).AddAsync(target, types, ct);
            console.MarkupLineInterpolated($"webhook {subscription.SubscriptionId}: {subscription.Url} for {(subscription.Events == "*" ? "every event" : subscription.Events)}");
            console.MarkupLineInterpolated($"signing secret (shown once; keep it with the receiver): [bold]{secret}[/]");
            console.MarkupLine("receivers check X-TinyMLOps-Signature: v1=hex(HMAC-SHA256(secret, timestamp + \".\" + body)); see docs/observability.md");
            return 0;
        });
        return command;
    }
}
