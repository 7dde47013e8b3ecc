using Spectre.Console;
using Spectre.Console.Rendering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Console.Rendering;

/// <summary>The fleet drawn as Spectre.Console tables: shared by fleet ls, device show, status, live and demo.</summary>
internal static class FleetView
{
    /// <param name="keepOrder">Draw the devices in the given order (already sorted) instead of by id.</param>
    /// <param name="tags">Each device's tags: adds a tags column (when any device has one).</param>
    public static Table Devices(IReadOnlyList<DeviceRecord> devices, DateTimeOffset now, TimeSpan onlineWindow, int limit = int.MaxValue, bool keepOrder = false, IReadOnlyDictionary<string, IReadOnlyList<string>>? tags = null)
    {
        bool tagged = tags != null && devices.Any(d => tags.ContainsKey(d.DeviceId));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("device", "fleet", "board", "firmware", "kernels", "model", "power", "battery", "outbox", "dropped", "messages", "last seq", "last seen");
        if (tagged)
        {
            table.AddColumn("tags");
        }

        IEnumerable<DeviceRecord> ordered = keepOrder ? devices : devices.OrderBy(d => d.DeviceId, StringComparer.Ordinal);
        foreach (var d in ordered.Take(limit))
        {
            bool online = d.IsOnline(now, onlineWindow);
            var cells = new List<IRenderable>
            {
                new Markup(d.Decommissioned ? $"[red]✕[/] {TerminalText.Markup(d.DeviceId)} [red](decommissioned)[/]" : online ? $"[green]●[/] {TerminalText.Markup(d.DeviceId)}" : $"[grey]○[/] {TerminalText.Markup(d.DeviceId)}"),
                TerminalText.Cell(d.Fleet),
                TerminalText.Cell(Or(d.Board)),
                TerminalText.Cell(Or(d.FirmwareVersion)),
                TerminalText.Cell(Or(d.KernelBackend)),
                TerminalText.Cell(Or(d.ModelId)),
                new Text(Power(d.PowerSource)),
                Battery(d.BatteryPercent),
                new Text($"{d.OutboxEntries} / {Bytes(d.OutboxBytes)}"),
                new Markup(d.DroppedTotal > 0 ? $"[red]{d.DroppedTotal}[/]" : "0"),
                new Text(d.MessageCount.ToString("N0")),
                new Text(d.LastSequence.ToString("N0")),
                new Text(Ago(d.LastSeen, now)),
            };
            if (tagged)
            {
                cells.Add(TerminalText.Cell(tags!.TryGetValue(d.DeviceId, out var own) ? string.Join(' ', own) : "-"));
            }

            table.AddRow(cells);
        }

        if (devices.Count > limit)
        {
            table.Caption($"{limit} of {devices.Count} devices shown");
        }

        return table;
    }

    public static IRenderable Device(DeviceRecord d, IReadOnlyList<StoredMessage> recent, IReadOnlyList<CommandRecord> pending, DateTimeOffset now, IReadOnlyList<DeviceConsentRecord>? consent = null, IReadOnlyList<TinyMLOps.Fleet.Rollouts.StaleImageFinding>? staleImages = null, IReadOnlyList<string>? tags = null)
    {
        var facts = new Grid().AddColumn().AddColumn();
        void Row(string k, string v) => facts.AddRow(new Markup($"[bold]{k}[/]"), TerminalText.Cell(v));
        Row("device", d.DeviceId);
        Row("fleet", d.Fleet);
        Row("board", Or(d.Board));
        Row("tags", tags is { Count: > 0 } ? string.Join(' ', tags) : "none");
        if (d.Decommissioned)
        {
            facts.AddRow(new Markup("[bold red]decommissioned[/]"), TerminalText.Cell($"{d.DecommissionedAt:u}: {d.DecommissionReason}"));
        }

        Row("firmware", Or(d.FirmwareVersion));
        Row("model", $"{Or(d.ModelId)} v{d.ModelVersion}");
        Row("kernels", $"{(d.KernelBackend.Length == 0 ? "not reported" : d.KernelBackend)}, operators 0x{d.KernelMask:X8}");
        Row("free heap / flash", $"{Bytes(d.FreeHeapBytes)} / {Bytes(d.FreeFlashBytes)}");
        Row("power", $"{Power(d.PowerSource)}, battery {(d.BatteryPercent is < 0 or > 100 ? "n/a" : d.BatteryPercent + "%")}");
        Row("boots", d.BootCount.ToString("N0"));
        Row("uptime", TimeSpan.FromSeconds(d.UptimeSeconds).ToString(@"d\.hh\:mm\:ss"));
        Row("inferences", d.Inferences.ToString("N0"));
        Row("outbox", $"{d.OutboxEntries} entries, {Bytes(d.OutboxBytes)}; dropped {d.DroppedTotal}");
        Row("messages", $"{d.MessageCount:N0} stored, last sequence {d.LastSequence:N0}");
        Row("first / last seen", $"{d.FirstSeen:u} / {d.LastSeen:u} ({Ago(d.LastSeen, now)})");
        Row("credential", d.CredentialHash != null ? "provisioned" : d.Decommissioned ? "revoked" : "none (anonymous)");
        Row("consent", consent is { Count: > 0 } ? string.Join(", ", consent.Select(c => $"{c.Category} {c.Shown}")) : "not reported (firmware without consent)");
        foreach (var stale in staleImages ?? [])
        {
            facts.AddRow(new Markup("[bold red]stale model[/]"), TerminalText.Cell(stale.Describe()));
        }

        var messages = new Table().Border(TableBorder.Simple).Title("recent uplink").AddColumns("seq", "kind", "device time", "received", "bytes");
        foreach (var m in recent.OrderByDescending(m => m.Sequence).Take(12))
        {
            messages.AddRow(m.Sequence.ToString(), TerminalText.Markup(MessageKind.Name(m.Kind) ?? m.Kind.ToString()), m.DeviceTimestamp == 0 ? "-" : DateTimeOffset.FromUnixTimeSeconds(m.DeviceTimestamp).ToString("u"), m.ReceivedAt.ToString("u"), m.Payload.Length.ToString());
        }

        var commands = new Table().Border(TableBorder.Simple).Title("pending commands").AddColumns("id", "name", "created", "sent");
        foreach (var c in pending)
        {
            commands.AddRow(c.CommandId.ToString(), TerminalText.Markup(c.Name), c.CreatedAt.ToString("u"), c.SentAt?.ToString("u") ?? "not yet");
        }

        return new Rows(new Panel(facts).Header(TerminalText.Markup(d.DeviceId)).Border(BoxBorder.Rounded), messages, commands);
    }

    /// <summary>How many devices have each setting per consent category (the `fleet consent` view).</summary>
    public static Table Consent(IReadOnlyList<DeviceConsentRecord> consent)
    {
        string[] settings = [.. Enumerable.Range(0, UploadConsent.SettingCount).Select(s => UploadConsent.SettingName(s))];
        var table = new Table().Border(TableBorder.Simple).AddColumn("category");
        foreach (string s in settings)
        {
            table.AddColumn(new TableColumn(s).RightAligned());
        }

        table.AddColumn(new TableColumn("of which granted").RightAligned());
        for (int c = 0; c < UploadConsent.Count; c++)
        {
            string category = UploadConsent.CategoryName(c);
            var rows = consent.Where(r => r.Category == category).ToList();
            table.AddRow([category, .. settings.Select(s => rows.Count(r => r.Setting == s).ToString()), rows.Count(r => r.Setting == "ask" && r.Granted).ToString()]);
        }

        return table;
    }

    public static IRenderable Status(FleetCounts counts, HostMetrics? metrics, string storeDescription)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string k, string v) => grid.AddRow(new Markup($"[bold]{k}[/]"), new Markup(v));
        Row("store", Markup.Escape(storeDescription));
        Row("devices", $"{counts.Devices:N0} ([green]{counts.Online:N0} online[/])");
        Row("messages stored", counts.Messages.ToString("N0"));
        Row("rejected", counts.Rejects > 0 ? $"[red]{counts.Rejects:N0}[/]" : "0");
        Row("pending commands", counts.PendingCommands.ToString("N0"));
        if (metrics != null)
        {
            Row("this worker", $"{metrics.Received:N0} received, {metrics.Stored:N0} stored, {metrics.Duplicates:N0} duplicates, {metrics.Acked:N0} acked, {metrics.Rejected:N0} rejected");
        }

        var chart = new BarChart().Width(60).Label("[bold]devices[/]")
            .AddItem("online", counts.Online, Color.Green)
            .AddItem("offline", counts.Devices - counts.Online, Color.Grey);
        return new Rows(grid, chart);
    }

    public static IRenderable Rejects(IReadOnlyList<RejectRecord> rejects)
    {
        var table = new Table().Border(TableBorder.Simple).Title("recent rejects").AddColumns("at", "reason", "device", "topic", "bytes", "detail");
        foreach (var r in rejects.Take(10))
        {
            table.AddRow(r.At.ToString("u"), TerminalText.Markup(RejectReason.Name(r.Reason)), TerminalText.Markup(r.DeviceId ?? "?"), TerminalText.Markup(Trim(r.Topic, 48)), r.Size.ToString(), TerminalText.Markup(Trim(r.Detail, 60)));
        }

        return table;
    }

    public static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => $"{n / 1024.0:0.#} KiB",
        _ => $"{n / (1024.0 * 1024):0.#} MiB",
    };

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Or(string s) => s.Length == 0 ? "-" : s;

    private static string Power(int source) => source switch { 1 => "battery", 2 => "external", _ => "unknown" };

    private static IRenderable Battery(int percent) => percent is < 0 or > 100
        ? new Text("n/a")
        : new Markup(percent < 20 ? $"[red]{percent}%[/]" : percent < 50 ? $"[yellow]{percent}%[/]" : $"[green]{percent}%[/]");

    private static string Ago(DateTimeOffset? t, DateTimeOffset now)
    {
        if (t == null)
        {
            return "never";
        }

        var d = now - t.Value;
        return d.TotalSeconds < 0 ? "just now" : d.TotalMinutes < 1 ? $"{d.TotalSeconds:0}s ago" : d.TotalHours < 1 ? $"{d.TotalMinutes:0}m ago" : d.TotalDays < 1 ? $"{d.TotalHours:0.#}h ago" : $"{d.TotalDays:0.#}d ago";
    }
}
