using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using static TinyMLOps.Console.Commands.Meter.MeterCommand;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>`meter audit DEVICE`: a device's receipt chain: state, model ranges, receipts and findings with their evidence.</summary>
internal static class MeterAuditCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var device = new Argument<string>("device") { Description = "device id" };
        var all = new Option<bool>("--all") { Description = "every receipt (default: the newest 40)" };
        var output = JsonOutput.Option();
        var command = new Command("audit", "A device's receipt chain: state, model ranges, receipts and findings with their evidence") { device, db, pg, key, all, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await OpenAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(key), ct);
            string id = parse.GetValue(device)!;
            var audit = await ReceiptLedger.AuditAsync(store, id, ct);
            if (audit.Receipts.Count == 0 && audit.State.Version == 0)
            {
                throw new ArgumentException($"the ledger has no receipts of '{id}'");
            }

            int limit = parse.GetValue(all) ? int.MaxValue : 40;
            if (JsonOutput.Wanted(parse.GetValue(output)))
            {
                // The document of GET /api/v1/devices/{id}/meters, with the newest receipts the table would show.
                JsonOutput.Write(console, TinyMLOps.Web.Contracts.MeterAuditJson.Of(audit, [.. TinyMLOps.Web.Contracts.MeterAuditJson.Newest(audit).Take(limit).Select(TinyMLOps.Web.Contracts.MeterAuditJson.Receipt.Of)], null));
                return 0;
            }

            RenderAudit(console, audit, limit);
            return 0;
        });
        return command;
    }

    public static void RenderAudit(IAnsiConsole console, LedgerAudit audit, int limit)
    {
        var s = audit.State;
        var facts = new Grid().AddColumn().AddColumn();
        void Row(string k, string v) => facts.AddRow(new Markup($"[bold]{k}[/]"), new Markup(v));
        Row("device", Markup.Escape(s.DeviceId));
        Row("chain", $"next receipt {s.NextSeq:N0}, head {Convert.ToHexStringLower(s.HeadHash)[..16]}…");
        Row("status", s.Flagged ? $"[red]FLAGGED[/] since {s.FlaggedAt:u}: {Markup.Escape(s.FlagReason)}" : "[green]trusted[/]");
        if (s.ClearedAt is { } cleared)
        {
            Row("last cleared", $"{cleared:u}: {Markup.Escape(s.ClearNote)}");
        }

        var counts = audit.Receipts.GroupBy(r => r.Status).Select(g => $"{g.Count():N0} {g.Key}");
        Row("receipts", string.Join(", ", counts));
        console.Write(new Panel(facts).Header("receipt ledger").Border(BoxBorder.Rounded));

        var models = new Table().Border(TableBorder.Simple).Title("models").AddColumns("model", "claimed up to", "last billed range starts", "last window start", "boot");
        foreach (var m in audit.Models)
        {
            models.AddRow(Cell(m.ModelId), N(m.ClaimedLimit), m.LastFirst < 0 ? "-" : N(m.LastFirst), m.LastWindowStart == 0 ? "-" : DateTimeOffset.FromUnixTimeSeconds(m.LastWindowStart).ToString("u", CultureInfo.InvariantCulture), m.LastBoot < 0 ? "-" : N(m.LastBoot));
        }

        console.Write(models);
        var shown = audit.Receipts.OrderBy(r => r.ReceiptSeq).ThenBy(r => r.MessageSeq).TakeLast(limit).ToList();
        var receipts = new Table().Border(TableBorder.Simple).Title($"receipts ({shown.Count} of {audit.Receipts.Count})")
            .AddColumns("receipt", "message", "model", "range", "grace", "window (device clock)", "status", "reason");
        foreach (var r in shown)
        {
            string status = r.Status switch
            {
                MeterStatus.Accepted => "[green]accepted[/]",
                MeterStatus.Rejected => "[red]rejected[/]",
                MeterStatus.Untrusted => "[yellow]untrusted[/]",
                _ => Markup.Escape(r.Status),
            };
            string range = r.Count == 0 ? "-" : $"[[{N(r.First)}, {N(r.Limit)})";
            string window = r.WindowEnd == 0 ? "-" : $"{DateTimeOffset.FromUnixTimeSeconds(r.WindowStart):u} +{r.WindowEnd - r.WindowStart}s";
            receipts.AddRow(r.ReceiptSeq == 0 ? "?" : N(r.ReceiptSeq), N(r.MessageSeq), Cell(r.ModelId), range, N(r.GraceCount), window, status, Markup.Escape(r.Reason == nameof(ReceiptReason.None) ? "" : r.Reason));
        }

        console.Write(receipts);
        var findings = new Table().Border(TableBorder.Simple).Title("findings").AddColumns("at", "reason", "receipts", "message", "evidence");
        foreach (var x in audit.Findings.OrderBy(x => x.FindingId))
        {
            string reason = x.Serious ? $"[red]{x.Reason}[/]" : x.ResolvedAt != null ? $"{x.Reason} (resolved)" : x.Reason;
            string seqs = x.LastReceiptSeq > x.ReceiptSeq ? $"{x.ReceiptSeq}..{x.LastReceiptSeq}" : x.ReceiptSeq == 0 ? "?" : N(x.ReceiptSeq);
            findings.AddRow(new Text(x.At.ToString("u", CultureInfo.InvariantCulture)), new Markup(reason), new Text(seqs), new Text(N(x.MessageSeq)), new Text(x.Detail));
        }

        console.Write(findings);
        if (audit.Findings.Count == 0)
        {
            console.MarkupLine("no findings");
        }
    }
}
