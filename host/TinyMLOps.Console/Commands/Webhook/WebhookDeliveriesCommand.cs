using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>`webhook deliveries [--id ID] [--failed]`: the delivery log, newest first, each delivery with its attempts.</summary>
internal static class WebhookDeliveriesCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, output) = (FleetOptions.Db(), FleetOptions.Postgres(), JsonOutput.Option());
        var id = new Option<long?>("--id") { Description = "only this webhook's deliveries" };
        var failed = new Option<bool>("--failed") { Description = "only deliveries given up after every attempt" };
        var limit = new Option<int>("--limit") { Description = "newest deliveries shown", DefaultValueFactory = _ => 50 };
        var command = new Command("deliveries", "The delivery log: each event sent to each webhook with its attempts (status or error, duration)") { db, pg, id, failed, limit, output };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) < 1)
            {
                throw new ArgumentException("--limit must be at least 1");
            }

            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var rows = await WebhookQueries.DeliveriesAsync(store, parse.GetValue(id), parse.GetValue(failed), parse.GetValue(limit), ct);

            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { deliveries = rows });
                return 0;
            }

            if (rows.Count == 0)
            {
                console.MarkupLine(parse.GetValue(failed) ? "no failed deliveries" : "no deliveries yet");
                return 0;
            }

            foreach (var d in rows)
            {
                string state = d.State switch
                {
                    WebhookDeliveryStates.Delivered => "[green]delivered[/]",
                    WebhookDeliveryStates.Failed => "[red]failed[/]",
                    WebhookDeliveryStates.Pending => $"pending, next attempt {d.NextAttemptAt:yyyy-MM-dd HH:mm:ss}",
                    _ => Markup.Escape(d.State),
                };
                console.MarkupLine($"{Markup.Escape(d.DeliveryId)}  webhook {d.WebhookId}  {Markup.Escape(d.Type)}  {d.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {state}");
                foreach (var a in d.Log)
                {
                    string outcome = a.Status is { } s ? $"HTTP {s}" : "no response";
                    console.MarkupLineInterpolated($"    #{a.Number} {a.At:HH:mm:ss} {outcome} in {a.DurationMs} ms{(a.Error.Length > 0 ? ": " + a.Error : string.Empty)}");
                }
            }

            return 0;
        });
        return command;
    }
}
