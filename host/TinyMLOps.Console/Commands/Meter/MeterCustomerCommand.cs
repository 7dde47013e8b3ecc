using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter customer DEVICE [CUSTOMER]`: which customer a device is billed to (default: its fleet).</summary>
internal static class MeterCustomerCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string>("device") { Description = "device id" };
        var customer = new Argument<string?>("customer") { Description = "customer to bill (omit to show)", Arity = ArgumentArity.ZeroOrOne };
        var reset = new Option<bool>("--reset") { Description = "bill the device to its fleet again" };
        var command = new Command("customer", "Which customer a device is billed to (default: its fleet)") { device, customer, db, pg, reset };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            if (parse.GetValue(reset) || parse.GetValue(customer) is { Length: > 0 })
            {
                await store.SetCustomerAsync(id, parse.GetValue(reset) ? null : parse.GetValue(customer), ct);
            }

            var mapped = await store.CustomersAsync(ct);
            string fleet = (await store.GetDeviceAsync(id, ct))?.Fleet ?? "";
            console.MarkupLineInterpolated($"{id} is billed to {(mapped.TryGetValue(id, out var c) ? c : fleet + " (its fleet)")}");
            return 0;
        });
        return command;
    }
}
