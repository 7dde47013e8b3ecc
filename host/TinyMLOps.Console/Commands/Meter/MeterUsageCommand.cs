using TinyMLOps.Web.Queries;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using static TinyMLOps.Console.Commands.Meter.MeterCommand;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter usage`: verified inferences per customer, device and model; grace and held (flagged) counts apart.</summary>
internal static class MeterUsageCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var fleet = new Option<string?>("--fleet") { Description = "only this fleet" };
        var customer = new Option<string?>("--customer") { Description = "only this customer" };
        var (since, until) = (Since(), Until());
        var output = JsonOutput.Option();
        var command = new Command("usage", "Verified inferences per customer, device and model; grace and held (flagged) counts apart") { db, pg, key, fleet, customer, since, until, output };
        command.SetAction(async (parse, ct) =>
        {
            bool json = JsonOutput.Wanted(parse.GetValue(output));
            await using var store = await OpenAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(key), ct, quiet: json);
            var query = new MeterUsageQuery(parse.GetValue(fleet), parse.GetValue(customer), Time(parse.GetValue(since)), Time(parse.GetValue(until)));
            var (bill, billJson) = await Bills.ComputeAsync(store, PriceList.Standard, query, ct);
            if (json)
            {
                JsonOutput.Write(console, billJson);
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("customer", "fleet", "device", "model", "receipts", "inferences", "of which grace", "held (flagged)");
            foreach (var l in bill.Lines)
            {
                table.AddRow(Cell(l.Customer), Cell(l.Fleet), Cell(l.DeviceId), Cell(l.ModelId), N(l.Receipts), N(l.Inferences), N(l.GraceInferences), l.HeldInferences > 0 ? $"[yellow]{N(l.HeldInferences)}[/]" : "0");
            }

            table.AddRow("[bold]total[/]", "", "", "", N(bill.Lines.Sum(l => l.Receipts)), $"[bold]{N(bill.Inferences)}[/]", N(bill.GraceInferences), N(bill.HeldInferences));
            table.Caption(Period(query));
            console.Write(table);
            await WriteFlagsAsync(console, store, ct);
            return 0;
        });
        return command;
    }
}
