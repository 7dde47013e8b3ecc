using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>`webhook test ID`: sends a signed ping now and reports the receiver's answer; a failed ping is retried by the host like any delivery.</summary>
internal static class WebhookTestCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), WebhookCommand.MasterKey());
        var id = new Argument<long>("id") { Description = "webhook id (see `webhook ls`)" };
        var command = new Command("test", "Send a signed ping event to a webhook now and show the answer") { id, db, pg, key };
        command.SetAction(async (parse, ct) =>
        {
            var keys = WebhookCommand.Keys(parse.GetValue(key));
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string delivery = await new WebhookSubscriptions(store, keys).PingAsync(parse.GetValue(id), ct);
            using var dispatcher = new WebhookDispatcher(store, keys, workerId: "console");
            await dispatcher.DispatchOneAsync(delivery, ct);
            var result = await store.GetWebhookDeliveryAsync(delivery, ct);
            var attempt = (await store.WebhookAttemptsAsync(delivery, ct)).LastOrDefault();
            if (result?.State == WebhookDeliveryStates.Delivered)
            {
                console.MarkupLineInterpolated($"ping {delivery} delivered: HTTP {attempt?.StatusCode} in {attempt?.DurationMs} ms");
                return 0;
            }

            console.MarkupLineInterpolated($"[red]ping {delivery} not delivered[/]: {attempt?.Error ?? "not attempted"}; the host retries it (see `webhook deliveries --id {parse.GetValue(id)}`)");
            return 1;
        });
        return command;
    }
}
