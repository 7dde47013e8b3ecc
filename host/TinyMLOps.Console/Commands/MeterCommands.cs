using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands;

/// <summary>
/// `meter usage|bill|audit|clear|customer|suspects|clear-suspect`, `quota grant|ls` and `bench meter`: metered inference from the store.
/// With the fleet's artifact master key the meter verbs first verify what the host stored but did not verify yet.
/// </summary>
internal static class MeterCommands
{
    public static Command Meter(IAnsiConsole console)
    {
        var meter = new Command("meter", "Verified usage, bills and the receipt ledger");
        meter.Subcommands.Add(Usage(console));
        meter.Subcommands.Add(Bill(console));
        meter.Subcommands.Add(Audit(console));
        meter.Subcommands.Add(Clear(console));
        meter.Subcommands.Add(Customer(console));
        meter.Subcommands.Add(ExtractionCommands.Suspects(console));
        meter.Subcommands.Add(ExtractionCommands.Clear(console));
        return meter;
    }

    public static Command Quota(IAnsiConsole console)
    {
        var quota = new Command("quota", "Prepaid quota tokens");
        quota.Subcommands.Add(Grant(console));
        quota.Subcommands.Add(ListTokens(console));
        return quota;
    }

    public static Command Bench(IAnsiConsole console)
    {
        var devices = new Option<int>("--devices") { Description = "devices, each with its own key and chain", DefaultValueFactory = _ => 20 };
        var receipts = new Option<int>("--receipts") { Description = "receipts per device", DefaultValueFactory = _ => 2_000 };
        var rounds = new Option<int>("--rounds") { Description = "rounds of the in-memory stages (the best is kept)", DefaultValueFactory = _ => 3 };
        var command = new Command("meter", "Ledger verification throughput (receipts/s) against raw HMAC-SHA256 on this machine, same run") { devices, receipts, rounds };
        command.SetAction(async (parse, ct) =>
        {
            string dir = Directory.CreateTempSubdirectory("tinymlops-bench-meter-").FullName;
            try
            {
                MeterReport report = null!;
                await console.Status().StartAsync("starting", async ctx =>
                {
                    report = await MeterBenchmark.RunAsync(dir, parse.GetValue(devices), parse.GetValue(receipts), parse.GetValue(rounds), new Progress<string>(s => ctx.Status(s)), ct);
                });
                RenderBench(console, report);
                foreach (int block in new[] { 64, 256 })
                {
                    string flash = Directory.CreateDirectory(Path.Combine(dir, $"device-{block}")).FullName;
                    RenderDevice(console, MeterDeviceBenchmark.Run(flash, block));
                }

                return report.Billed == report.Expected ? 0 : 2;
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        });
        return command;
    }

    public static void RenderBench(IAnsiConsole console, MeterReport r)
    {
        console.MarkupLineInterpolated($"{r.Devices:N0} devices × {r.ReceiptsPerDevice:N0} receipts = {r.Receipts:N0} receipts of {r.ReceiptBytes} bytes (tag over {r.TaggedMessageBytes} bytes), {Environment.ProcessorCount} logical CPUs, one thread");
        var table = new Table().AddColumns("stage", "per second", "vs raw HMAC-SHA256");
        table.AddRow("raw HMAC-SHA256, same message length", r.HmacPerSecond.ToString("N0", CultureInfo.InvariantCulture), "1.00");
        table.AddRow("verification only (decode, tag, hash, chain, ranges)", r.VerifyPerSecond.ToString("N0", CultureInfo.InvariantCulture), r.VerifyRatio.ToString("0.00", CultureInfo.InvariantCulture));
        table.AddRow("ledger on SQLite (read, verify, durable commit)", r.LedgerPerSecond.ToString("N0", CultureInfo.InvariantCulture), r.LedgerRatio.ToString("0.00", CultureInfo.InvariantCulture));
        console.Write(table);
        console.MarkupLineInterpolated($"billed {r.Billed:N0} of {r.Expected:N0} inferences signed{(r.Billed == r.Expected ? "" : " [red](mismatch)[/]")}");
    }

    public static void RenderDevice(IAnsiConsole console, MeterDeviceReport r)
    {
        console.MarkupLineInterpolated($"device day, block N = {r.BlockSize}: {r.Inferences:N0} inferences at {r.InferencesPerSecond}/s, {r.FlashWrites:N0} flash writes = [bold]{r.FlashWritesPer1000:0.00} per 1,000 inferences[/]");
        var table = new Table().AddColumns("uplink per day", "messages", "bytes", "bytes per sync (daily / hourly)");
        table.AddRow("signed receipts (hourly ranges)", r.Receipts.ToString("N0", CultureInfo.InvariantCulture), r.ReceiptWireBytes.ToString("N0", CultureInfo.InvariantCulture),
            string.Join(" / ", r.PerSync.Select(p => p.BytesPerSync.ToString("N0", CultureInfo.InvariantCulture))));
        table.AddRow("reference: one usage event per inference", r.Inferences.ToString("N0", CultureInfo.InvariantCulture), r.EventWireBytes.ToString("N0", CultureInfo.InvariantCulture), "");
        console.Write(table);
        console.MarkupLineInterpolated($"receipts need {r.Ratio:N0} times fewer uplink bytes than per-inference events");
    }

    // ---- meter ----

    private static Command Usage(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var fleet = new Option<string?>("--fleet") { Description = "only this fleet" };
        var customer = new Option<string?>("--customer") { Description = "only this customer" };
        var (since, until) = (Since(), Until());
        var command = new Command("usage", "Verified inferences per customer, device and model; grace and held (flagged) counts apart") { db, pg, key, fleet, customer, since, until };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await OpenAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(key), ct);
            var query = new MeterUsageQuery(parse.GetValue(fleet), parse.GetValue(customer), Time(parse.GetValue(since)), Time(parse.GetValue(until)));
            var bill = await Billing.ComputeAsync(store, PriceList.Standard, query, ct);
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

    private static Command Bill(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var customer = new Option<string?>("--customer") { Description = "bill one customer (default: all)" };
        var fleet = new Option<string?>("--fleet") { Description = "only this fleet" };
        var prices = new Option<string[]>("--price") { Description = "price per 1,000 inferences of a model, MODEL=PRICE (repeatable)", AllowMultipleArgumentsPerToken = true };
        var defaultPrice = new Option<decimal>("--default-price") { Description = "price per 1,000 inferences of the other models", DefaultValueFactory = _ => PriceList.StandardPer1000 };
        var csv = new Option<FileInfo?>("--csv") { Description = "also write the bill as CSV" };
        var (since, until) = (Since(), Until());
        var command = new Command("bill", "Bill verified inferences per customer, device and model at a price per 1,000") { db, pg, key, customer, fleet, prices, defaultPrice, csv, since, until };
        command.SetAction(async (parse, ct) =>
        {
            var priceList = PriceList.Parse(parse.GetValue(prices) ?? [], parse.GetValue(defaultPrice));
            await using var store = await OpenAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(key), ct);
            var query = new MeterUsageQuery(parse.GetValue(fleet), parse.GetValue(customer), Time(parse.GetValue(since)), Time(parse.GetValue(until)));
            var bill = await Billing.ComputeAsync(store, priceList, query, ct);
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

    private static Command Audit(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var device = new Argument<string>("device") { Description = "device id" };
        var all = new Option<bool>("--all") { Description = "every receipt (default: the newest 40)" };
        var command = new Command("audit", "A device's receipt chain: state, model ranges, receipts and findings with their evidence") { device, db, pg, key, all };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await OpenAsync(console, parse.GetValue(db)!, parse.GetValue(pg), parse.GetValue(key), ct);
            string id = parse.GetValue(device)!;
            var audit = await ReceiptLedger.AuditAsync(store, id, ct);
            if (audit.Receipts.Count == 0 && audit.State.Version == 0)
            {
                throw new ArgumentException($"the ledger has no receipts of '{id}'");
            }

            RenderAudit(console, audit, parse.GetValue(all) ? int.MaxValue : 40);
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

    private static Command Clear(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string>("device") { Description = "device id" };
        var note = new Option<string>("--note") { Description = "why the flag is cleared (kept in the ledger)", Required = true };
        var writeOff = new Option<bool>("--write-off") { Description = "do not bill the receipts held while flagged" };
        var command = new Command("clear", "Clear a device's ledger flag: its held receipts become billable (or are written off)") { device, db, pg, note, writeOff };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            bool bill = !parse.GetValue(writeOff);
            int changed = await store.ClearMeterFlagAsync(id, parse.GetValue(note)!, bill, DateTimeOffset.UtcNow, ct);
            if (changed < 0)
            {
                throw new InvalidOperationException($"device '{id}' is not flagged");
            }

            console.MarkupLineInterpolated($"flag of {id} cleared; {changed:N0} held receipts {(bill ? "are now billable" : "written off")}");
            return 0;
        });
        return command;
    }

    private static Command Customer(IAnsiConsole console)
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

    // ---- quota ----

    private static Command Grant(IAnsiConsole console)
    {
        var (db, pg, key) = (FleetOptions.Db(), FleetOptions.Postgres(), MasterKey());
        var device = new Argument<string>("device") { Description = "device id" };
        var model = new Option<string>("--model") { Description = "model id the allowance is for", Required = true };
        var allowance = new Option<ulong>("--allowance") { Description = "inferences", Required = true };
        var expires = new Option<string>("--expires-in") { Description = "validity, e.g. 7d, 12h, 30m", DefaultValueFactory = _ => "7d" };
        var policy = new Option<string>("--policy") { Description = "past the allowance: refuse, fallback (free variant) or grace", DefaultValueFactory = _ => "refuse" };
        var grace = new Option<uint>("--grace") { Description = "inferences allowed on grace (policy grace), billed later", DefaultValueFactory = _ => 0 };
        var command = new Command("grant", "Issue a signed quota token and queue it for the device (sent at its next hello)") { device, db, pg, key, model, allowance, expires, policy, grace };
        command.SetAction(async (parse, ct) =>
        {
            var keys = DeviceKeys.FromConfiguration(parse.GetValue(key))
                ?? throw new ArgumentException($"quota tokens are signed with the device keys: pass --master-key or set {DeviceKeys.EnvironmentVariable}");
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: false, ct);
            var request = new QuotaGrantRequest(parse.GetValue(device)!, parse.GetValue(model)!, parse.GetValue(allowance), Duration(parse.GetValue(expires)!), Policy(parse.GetValue(policy)!), parse.GetValue(grace));
            var grant = await new QuotaIssuer(store, keys).GrantAsync(request, ct);
            var t = grant.Token;
            console.MarkupLineInterpolated($"token {t.TokenId} for {t.DeviceId}: {t.Allowance:N0} inferences of {t.ModelId} until {DateTimeOffset.FromUnixTimeSeconds(t.ExpiresAt):u}, past it {QuotaToken.PolicyName(t.OverrunPolicy)}{(t.GraceAllowance > 0 ? $" ({t.GraceAllowance:N0} on grace)" : "")}");
            console.MarkupLineInterpolated($"queued as command {grant.CommandId} ({QuotaToken.CommandName}); the host sends it when the device is online");
            return 0;
        });
        return command;
    }

    private static Command ListTokens(IAnsiConsole console)
    {
        var (db, pg) = (FleetOptions.Db(), FleetOptions.Postgres());
        var device = new Argument<string?>("device") { Description = "device id (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ls", "Issued quota tokens and the devices' answers") { device, db, pg };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            var tokens = await store.QuotaTokensAsync(parse.GetValue(device), ct);
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

    // ---- shared ----

    private static Option<string?> MasterKey() => new("--master-key")
    {
        Description = $"the fleet's artifact master key, hex or base64 (default: ${DeviceKeys.EnvironmentVariable}); meter verbs first verify unverified receipts with it",
        DefaultValueFactory = _ => null,
    };

    private static Option<string?> Since() => new("--since") { Description = "from this time (2026-01-01, an ISO time, or 7d/12h/30m ago)" };

    private static Option<string?> Until() => new("--until") { Description = "before this time (same forms as --since)" };

    /// <summary>Opens the store and, when the master key is known, lets the ledger catch up first.</summary>
    private static async Task<IFleetStore> OpenAsync(IAnsiConsole console, string db, string? pg, string? masterKey, CancellationToken ct)
    {
        var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        try
        {
            if (DeviceKeys.FromConfiguration(masterKey) is { } keys)
            {
                var totals = await new ReceiptLedger(store, keys).CatchUpAsync(ct);
                if (totals.Classified > 0)
                {
                    console.MarkupLineInterpolated($"verified {totals.Classified:N0} new receipt messages ({totals.Billable:N0} billable)");
                }
            }

            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    private static async Task WriteFlagsAsync(IAnsiConsole console, IFleetStore store, CancellationToken ct)
    {
        foreach (var d in (await store.MeterDevicesAsync(ct)).Where(d => d.Flagged))
        {
            console.MarkupLineInterpolated($"[red]flagged[/] {d.DeviceId}: {d.FlagReason} (see `tinymlops meter audit {d.DeviceId}`)");
        }
    }

    public static int Policy(string name) => name.ToLowerInvariant() switch
    {
        "refuse" => QuotaToken.PolicyRefuse,
        "fallback" or "free-variant" => QuotaToken.PolicyFreeVariant,
        "grace" => QuotaToken.PolicyGrace,
        _ => throw new ArgumentException($"--policy is refuse, fallback or grace, not '{name}'"),
    };

    /// <summary>"7d", "12h", "30m", "90s".</summary>
    public static TimeSpan Duration(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 'd': return TimeSpan.FromDays(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 's': return TimeSpan.FromSeconds(n);
            }
        }

        throw new ArgumentException($"'{text}' is not a duration like 7d, 12h, 30m or 90s");
    }

    /// <summary>A point in time: a date or ISO time (UTC unless it says otherwise), or a duration ago.</summary>
    public static DateTimeOffset? Time(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        return DateTimeOffset.UtcNow - Duration(text);
    }

    private static string Period(MeterUsageQuery q) =>
        q.Since is null && q.Until is null ? "all time (by receipt window end, device clock, capped at arrival)" : $"from {q.Since?.ToString("u", CultureInfo.InvariantCulture) ?? "the start"} until {q.Until?.ToString("u", CultureInfo.InvariantCulture) ?? "now"}";

    private static string Cell(string s) => Markup.Escape(s.Length == 0 ? "-" : s);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Money(decimal d) => d.ToString("0.00##", CultureInfo.InvariantCulture);
}
