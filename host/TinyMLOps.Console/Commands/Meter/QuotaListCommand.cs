using TinyMLOps.Web.Contracts;
using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Shared.Metering;
using static TinyMLOps.Console.Commands.Meter.MeterCommand;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`quota ls [DEVICE]`: the issued quota tokens and the devices' answers.</summary>
internal static class QuotaListCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string?>("device") { Description = "device id (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var output = JsonOutput.Option();
        var command = new Command("ls", "Issued quota tokens and the devices' answers") { device, db, pg, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var tokens = await store.QuotaTokensAsync(parse.GetValue(device), ct);
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                JsonOutput.Write(console, new { count = tokens.Count, tokens = tokens.Select(QuotaTokenJson.Of) });
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("device", "token", "model", "allowance", "policy", "issued", "expires", "command", "device answer");
            foreach (var t in tokens)
            {
                string answer = t.ResultStatus switch
                {
                    null => t.SentAt == null ? "queued" : "sent, no answer yet",
                    0 => "[green]accepted[/]",
                    _ => $"[red]refused[/]: {Markup.Escape(t.ResultDetail ?? "")}",
                };
                string policy = QuotaToken.PolicyName(t.Policy) + (t.GraceAllowance > 0 ? $" +{N(t.GraceAllowance)}" : "");
                table.AddRow(Cell(t.DeviceId), N(t.TokenId), Cell(t.ModelId), N(t.Allowance), policy, t.IssuedAt.ToString("u", CultureInfo.InvariantCulture), t.ExpiresAt.ToString("u", CultureInfo.InvariantCulture), N(t.CommandId), answer);
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{tokens.Count} tokens");
            return 0;
        });
        return command;
    }
}
