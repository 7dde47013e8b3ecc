using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TinyMLOps.Simulation.Benchmarks;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>`bench meter`: receipt ledger verification throughput against raw HMAC-SHA256, and a device day's flash writes and uplink.</summary>
internal static class BenchMeterCommand
{
    public static Command Build(IAnsiConsole console)
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
}
