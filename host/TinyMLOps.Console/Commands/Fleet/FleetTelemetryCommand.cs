using TinyMLOps.Web.Queries;
using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Console.Commands.Common;
using TinyMLOps.Console.Rendering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Telemetry;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Console.Commands.Fleet;

/// <summary>`fleet telemetry`: inferences, latency, memory and energy per board and variant against the cost model.</summary>
internal static class FleetTelemetryCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var db = FleetOptions.Db();
        var pg = FleetOptions.Postgres();
        var board = new Option<string?>("--board") { Description = "only this board" };
        var variant = new Option<string?>("--variant") { Description = "only this variant" };
        var fleet = new Option<string?>("--fleet") { Description = "only this fleet" };
        var registry = RegistryOption.Create("variant registry folder with the variants' cost summaries");
        var models = new Option<FileInfo[]>("--model") { Description = "model files (.tmlm) of variants outside the registry; repeatable", AllowMultipleArgumentsPerToken = true };
        var native = new Option<bool>("--native") { Description = "estimate with native kernels on every board (default: what each board's firmware carries, boards/*.json nativeKernels)" };
        var output = JsonOutput.Option();
        var command = new Command("telemetry", "Inferences, latency, RAM, free heap and energy per board and variant, against the cost model") { db, pg, board, variant, fleet, registry, models, native, output };
        command.SetAction((parse, ct) => ShowAsync(
            console,
            parse.GetValue(db)!,
            parse.GetValue(pg),
            new VariantTelemetryQuery { Board = parse.GetValue(board), VariantId = parse.GetValue(variant), Fleet = parse.GetValue(fleet) },
            parse.GetValue(registry)!,
            parse.GetValue(models) ?? [],
            parse.GetValue(native) ? true : null,
            JsonOutput.Wanted(parse.GetValue(output)),
            ct));
        return command;
    }

    public static async Task<int> ShowAsync(IAnsiConsole console, string db, string? pg, VariantTelemetryQuery query, string registry, IReadOnlyList<FileInfo> models, bool? native, bool json, CancellationToken ct)
    {
        await using var store = await FleetOptions.OpenAsync(db, pg, mustExist: true, ct);
        var (records, rows) = await TelemetryQueries.RowsAsync(store, query, TelemetryQueries.Summaries(registry, models), native, ct);
        if (json)
        {
            JsonOutput.Write(console, TelemetryQueries.Json(records, rows));
            return 0;
        }

        if (records.Count == 0)
        {
            console.MarkupLine("no telemetry yet: devices send it in their heartbeats once a variant has run");
            return 0;
        }

        console.Write(TelemetryView.Table(rows));
        console.MarkupLineInterpolated($"{rows.Count} board/variant pairs from {records.Select(r => r.DeviceId).Distinct().Count()} devices; ratios are measured / cost model (1.00× = as estimated)");
        return 0;
    }
}
