using TinyMLOps.Web.Queries;
using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Console.Commands.Meter;

/// <summary>
/// `meter usage|bill|audit|clear|customer|suspects|clear-suspect`: metered inference from the store, and what the
/// meter and quota verbs share. With the fleet's artifact master key the meter verbs first verify what the host
/// stored but did not verify yet.
/// </summary>
internal static class MeterCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var meter = new Command("meter", "Verified usage, bills and the receipt ledger");
        meter.Subcommands.Add(MeterUsageCommand.Build(console));
        meter.Subcommands.Add(MeterBillCommand.Build(console));
        meter.Subcommands.Add(MeterAuditCommand.Build(console));
        meter.Subcommands.Add(MeterClearCommand.Build(console));
        meter.Subcommands.Add(MeterCustomerCommand.Build(console));
        meter.Subcommands.Add(MeterSuspectsCommand.Build(console));
        meter.Subcommands.Add(MeterClearSuspectCommand.Build(console));
        return meter;
    }

    public static Option<string?> MasterKey() => new("--master-key")
    {
        Description = $"the fleet's artifact master key, hex or base64 (default: ${DeviceKeys.EnvironmentVariable}); meter verbs first verify unverified receipts with it",
        DefaultValueFactory = _ => null,
    };

    public static Option<string?> Since() => new("--since") { Description = "from this time (2026-01-01, an ISO time, or 7d/12h/30m ago)" };

    public static Option<string?> Until() => new("--until") { Description = "before this time (same forms as --since)" };

    /// <summary>Opens the store and, when the master key is known, lets the ledger catch up first.</summary>
    public static async Task<IFleetStore> OpenAsync(IAnsiConsole console, string db, string? pg, string? masterKey, CancellationToken ct, bool quiet = false)
    {
        var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        try
        {
            if (DeviceKeys.FromConfiguration(masterKey) is { } keys)
            {
                var totals = await new ReceiptLedger(store, keys).CatchUpAsync(ct);
                if (totals.Classified > 0 && !quiet)
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

    public static async Task WriteFlagsAsync(IAnsiConsole console, IFleetStore store, CancellationToken ct)
    {
        foreach (var d in (await store.MeterDevicesAsync(ct)).Where(d => d.Flagged))
        {
            console.MarkupLineInterpolated($"[red]flagged[/] {d.DeviceId}: {d.FlagReason} (see `tinymlops meter audit {d.DeviceId}`)");
        }
    }

    /// <summary>"7d", "12h", "30m", "90s".</summary>
    public static TimeSpan Duration(string text) => Periods.Duration(text);

    /// <summary>A point in time: a date or ISO time (UTC unless it says otherwise), or a duration ago.</summary>
    public static DateTimeOffset? Time(string? text) => Periods.Time(text, DateTimeOffset.UtcNow);

    public static string Period(MeterUsageQuery q) =>
        q.Since is null && q.Until is null ? "all time (by receipt window end, device clock, capped at arrival)" : $"from {q.Since?.ToString("u", CultureInfo.InvariantCulture) ?? "the start"} until {q.Until?.ToString("u", CultureInfo.InvariantCulture) ?? "now"}";

    public static string Cell(string s) => TerminalText.Markup(s.Length == 0 ? "-" : s);

    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Money(decimal d) => d.ToString("0.00##", CultureInfo.InvariantCulture);
}
