using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Console.Commands.Round;

/// <summary>`round history`: every round with accuracy before and after, participants, uplink bytes and outcome, and a chart.</summary>
internal static class RoundHistoryCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var output = JsonOutput.Option();
        var command = new Command("history", "Every round: accuracy before and after, participants, uplink bytes, outcome, with a chart") { db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var rounds = await RoundQueries.HistoryAsync(store, newestFirst: false, ct);
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { rounds = rounds.Select(RoundJson.Of) });
                return 0;
            }

            if (rounds.Count == 0)
            {
                console.MarkupLine("No rounds yet.");
                return 0;
            }

            var table = new Table().AddColumns("round", "base", "strategy", "state", "devices", "samples", "uplink", "vs float32", "accuracy", "candidate", "outcome");
            var chart = new BarChart().Width(70).Label("[bold]held-out accuracy after each round (%)[/]");
            foreach (var r in rounds)
            {
                var result = RoundResult.FromJson(r.Result);
                table.AddRow(
                    Markup.Escape(r.RoundId),
                    Markup.Escape($"{r.BaseVariantId} v{r.BaseVersion}"),
                    Markup.Escape(result.Strategy.Length > 0 ? result.Strategy : r.Strategy),
                    RoundView.StateMarkup(r.State),
                    $"{result.Uploaded}/{result.Invited}",
                    result.Samples.ToString("N0", CultureInfo.InvariantCulture),
                    RoundView.Bytes(result.DeltaBytes),
                    result.DeltaBytes > 0 ? $"{(double)result.Float32Bytes / result.DeltaBytes:0.0}x smaller" : "-",
                    Accuracy(result.CurrentAccuracy),
                    Accuracy(result.CandidateAccuracy),
                    Markup.Escape(r.Reason));
                if (result.CandidateAccuracy is { } acc)
                {
                    chart.AddItem(r.RoundId, Math.Round(acc * 100, 2), r.State == RoundStates.Released ? Color.Green : Color.Red);
                }
            }

            console.Write(table);
            if (chart.Data.Count > 0)
            {
                console.Write(chart);
                console.MarkupLine("[green]green[/]: released, [red]red[/]: held back by the gate");
            }

            return 0;
        });
        return command;
    }

    private static string Accuracy(double? value) => value is { } v ? v.ToString("P2", CultureInfo.InvariantCulture) : "-";
}
