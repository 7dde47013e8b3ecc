using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>`webhook rm ID`: removes a subscription; its pending deliveries are cancelled, its log kept.</summary>
internal static class WebhookRemoveCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var id = new Argument<long>("id") { Description = "webhook id (see `webhook ls`)" };
        var command = new Command("rm", "Remove a webhook; its pending deliveries are cancelled, its delivery log kept") { id, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            if (!await store.RemoveWebhookAsync(parse.GetValue(id), DateTimeOffset.UtcNow, ct))
            {
                throw new ArgumentException($"no webhook {parse.GetValue(id)}");
            }

            console.MarkupLineInterpolated($"webhook {parse.GetValue(id)} removed");
            return 0;
        });
        return command;
    }
}
