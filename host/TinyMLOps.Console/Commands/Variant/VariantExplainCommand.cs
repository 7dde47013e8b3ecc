using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;
using static TinyMLOps.Console.Commands.Variant.VariantCommand;

namespace TinyMLOps.Console.Commands.Variant;

/// <summary>`variant explain DEVICE`: which two variants a device gets (plugged in, on battery) and why.</summary>
internal static class VariantExplainCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var registry = Registry();
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var device = new Argument<string>("device") { Description = "device id" };
        var latency = new Option<double?>("--battery-latency-ms") { Description = "battery budget: latency per inference" };
        var energy = new Option<double?>("--battery-energy-mj") { Description = "battery budget: energy per inference" };
        var command = new Command("explain", "Which two variants a device gets (plugged in, on battery) and why") { device, registry, db, pg, latency, energy };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = await FleetOptions.OpenAsync(parse.GetValue(db)!, parse.GetValue(pg), mustExist: true, ct);
            string id = parse.GetValue(device)!;
            var record = await store.GetDeviceAsync(id, ct) ?? throw new ArgumentException($"no device '{id}' in the registry (see `tinymlops fleet ls`)");
            var board = BoardCatalog.Default.Boards.FirstOrDefault(b => b.Id == record.Board)
                ?? throw new ArgumentException($"{id} reports board '{record.Board}', which has no profile in boards/");
            var policy = new SelectionPolicy();
            if (parse.GetValue(latency) is { } l)
            {
                policy = policy with { BatteryMaxLatencyMs = l };
            }

            if (parse.GetValue(energy) is { } e)
            {
                policy = policy with { BatteryMaxEnergyMillijoules = e };
            }

            var caps = new DeviceCapabilities(id, board.Id, record.FreeHeapBytes, record.FreeFlashBytes, null, record.PowerSource, record.BatteryPercent)
            {
                KernelBackend = record.KernelBackend.Length > 0 ? record.KernelBackend : null,
            };
            var selection = VariantSelector.Select(caps, board, VariantRegistry.Open(parse.GetValue(registry)!).Latest, policy);
            RenderExplanation(console, selection);
            return 0;
        });
        return command;
    }

    public static void RenderExplanation(IAnsiConsole console, Selection s)
    {
        console.MarkupLineInterpolated($"[bold]{s.Device.DeviceId}[/] on {s.Board.Name} ({s.Board.ClockMhz} MHz, {(s.Board.HasFpu ? "FPU" : "no FPU")}); free heap {(s.Device.FreeHeapBytes > 0 ? s.Device.FreeHeapBytes.ToString("N0") + " B" : "not reported")}, free flash {(s.Device.FreeFlashBytes > 0 ? s.Device.FreeFlashBytes.ToString("N0") + " B" : "not reported")}");
        if (s.Board.NotDeployable is { } refused)
        {
            console.MarkupLineInterpolated($"[red]{refused}[/]");
            console.MarkupLineInterpolated($"plugged in: none; on battery: none ({s.Lines.Count} variants in the registry, none selected for a board that cannot take the application)");
            return;
        }

        console.MarkupLineInterpolated($"policy: plugged in = the most accurate variant that fits; on battery = the most accurate within {s.Policy.BatteryMaxLatencyMs} ms and {s.Policy.BatteryMaxEnergyMillijoules} mJ per inference");
        bool native = VariantSelector.NativeFor(s.Device, s.Board, s.Policy);
        console.MarkupLineInterpolated($"kernels: {KernelsLine(s, native)}");
        var table = new Table().AddColumns("variant", "accuracy", "MACs", "flash", "RAM", "est. ms", "est. mJ");
        table.AddColumn(native ? "interpreted ms" : "native ms");
        table.AddColumn("verdict");
        foreach (var l in s.Lines)
        {
            string mark = l.Variant == s.Plugged && l.Variant == s.Battery ? " [green](plugged + battery)[/]" : l.Variant == s.Plugged ? " [green](plugged)[/]" : l.Variant == s.Battery ? " [green](battery)[/]" : "";
            double other = CostModel.Estimate(s.Board, l.Variant.Summary, !native).LatencyMs;
            table.AddRow(new Markup(Markup.Escape(l.Variant.VariantId) + mark), new Text(l.Variant.Accuracy.ToString("P2")), new Text(l.Cost.Macs.ToString("N0")), new Text(l.Cost.FlashBytes.ToString("N0")),
                new Text(l.Cost.RamBytes.ToString("N0")), new Text(l.Cost.LatencyMs.ToString("0.0")), new Text(l.Cost.EnergyMillijoules.ToString("0.00")), new Text(other.ToString("0.0")), new Text(l.Verdict));
        }

        console.Write(table);
        console.MarkupLineInterpolated($"plugged in: {s.Plugged?.VariantId ?? "none fits"}; on battery: {s.Battery?.VariantId ?? "none within the budget"}");
    }

    /// <summary>Which kernels the estimates assume, and on whose word: the policy, the device's hello, or the board profile.</summary>
    private static string KernelsLine(Selection s, bool native)
    {
        string which = native ? $"native ({s.Board.CyclesPerMacNative:0.#} cycles/MAC)" : $"interpreted ({s.Board.CyclesPerMacInterpreted:0} cycles/MAC)";
        string why = s.Policy.NativeKernels != null ? "as asked"
            : s.Device.KernelBackend != null ? $"the device reports {s.Device.KernelBackend} kernels"
            : s.Board.NativeKernels ? "the board's firmware carries the native kernel library; the device has not reported"
            : "the board's firmware has no native kernel library (docs/firmware.md builds one that does)";
        return $"{which}: {why}";
    }
}
