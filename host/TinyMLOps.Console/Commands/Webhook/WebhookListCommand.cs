using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>`webhook ls`: the subscriptions with their delivery counts.</summary>
internal static class WebhookListCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, output) = (FleetOptions.Db(), FleetOptions.Postgres(), JsonOutput.Option());
        var command = new Command("ls", "Webhook subscriptions: URL, events, pending, delivered and failed deliveries") { db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var rows = await WebhookQueries.ListAsync(store, ct);
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { webhooks = rows });
                return 0;
            }

            if (rows.Count == 0)
            {
                console.MarkupLine("no webhooks (add one with `tinymlops webhook add URL`)");
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (string column in new[] { "id", "url", "events", "created", "pending", "delivered", "failed" })
            {
                table.AddColumn(column);
            }

            foreach (var r in rows)
            {
                table.AddRow(
                    r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(r.Url),
                    Markup.Escape(string.Join(", ", r.Events)),
                    r.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                    r.Pending.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.Delivered.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]");
            }

            console.Write(table);
            return 0;
        });
        return command;
    }
}
