using TinyMLOps.Web.Queries;
using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using static TinyMLOps.Console.Commands.Meter.MeterCommand;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter bill`: verified inferences per customer, device and model at a price per 1,000, optionally as CSV.</summary>
internal static class MeterBillCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var customer = new Option<string?>("--customer") { Description = "bill one customer (default: all)" };
        var fleet = new Option<string?>("--fleet") { Description = "only this fleet" };
        var prices = new Option<string[]>("--price") { Description = "price per 1,000 inferences of a model, MODEL=PRICE (repeatable)", AllowMultipleArgumentsPerToken = true };
        var defaultPrice = new Option<decimal>("--default-price") { Description = "price per 1,000 inferences of the other models", DefaultValueFactory = _ => PriceList.StandardPer1000 };
        var csv = new Option<FileInfo?>("--csv") { Description = "also write the bill as CSV" };
        var (since, until) = (Since(), Until());
        var output = JsonOutput.Option();
        var command = new Command("bill", "Bill verified inferences per customer, device and model at a price per 1,000") { db, pg, key, customer, fleet, prices, defaultPrice, csv, since, until, output };
        command.SetAction(async (parse, ct) =>
        {
            var priceList = PriceList.Parse(parse.GetValue(prices) ?? [], parse.GetValue(defaultPrice));
            bool json = JsonOutput.Wanted(parse.GetValue(output));
            await using var store = await OpenAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(key), ct, quiet: json);
            var query = new MeterUsageQuery(parse.GetValue(fleet), parse.GetValue(customer), Time(parse.GetValue(since)), Time(parse.GetValue(until)));
            var (bill, billJson) = await Bills.ComputeAsync(store, priceList, query, ct);
            if (json)
            {
                // The CSV still goes to its file; stdout holds only the document.
                if (parse.GetValue(csv) is { } csvFile)
                {
                    await File.WriteAllTextAsync(csvFile.FullName, Billing.ToCsv(bill), ct);
                }

                JsonOutput.Write(console, billJson);
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("customer", "device", "model", "inferences", "of which grace", "held (not charged)", "price / 1,000", "amount");
            foreach (var group in bill.Lines.GroupBy(l => l.Customer, StringComparer.Ordinal))
            {
                foreach (var l in group)
                {
                    table.AddRow(Cell(l.Customer), Cell(l.DeviceId), Cell(l.ModelId), N(l.Inferences), N(l.GraceInferences), l.HeldInferences > 0 ? $"[yellow]{N(l.HeldInferences)}[/]" : "0", Money(l.PricePer1000), Money(l.Amount));
                }

                table.AddRow($"[bold]{Markup.Escape(group.Key)} total[/]", "", "", N(group.Sum(l => l.Inferences)), N(group.Sum(l => l.GraceInferences)), N(group.Sum(l => l.HeldInferences)), "", $"[bold]{Money(group.Sum(l => l.Amount))}[/]");
            }

            table.Caption(Period(query));
            console.Write(table);
            console.MarkupLineInterpolated($"total {bill.Amount.ToString("0.00", CultureInfo.InvariantCulture)} for {bill.Inferences:N0} inferences ({bill.GraceInferences:N0} on grace); {bill.HeldInferences:N0} held on flagged devices");
            if (parse.GetValue(csv) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, Billing.ToCsv(bill), ct);
                console.MarkupLineInterpolated($"CSV written to {file.FullName}");
            }

            return 0;
        });
        return command;
    }
}
