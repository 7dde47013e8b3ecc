using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Telemetry;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>`fleet telemetry` and the telemetry routes: measured figures per board and variant against the cost model.</summary>
public static class TelemetryQueries
{
    /// <summary>The rows per board/variant pair of the stored telemetry that matches the query.</summary>
    public static async Task<(IReadOnlyList<VariantTelemetryRecord> Records, IReadOnlyList<TelemetryRow> Rows)> RowsAsync(
        IFleetStore store, VariantTelemetryQuery query, Func<string, ModelSummary?> summaries, bool? native, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var records = await store.VariantTelemetryAsync(query, cancellationToken).ConfigureAwait(false);
        return (records, TelemetryReport.Build(records, BoardCatalog.Default, summaries, native));
    }

    public static TelemetryReportJson Json(IReadOnlyList<VariantTelemetryRecord> records, IReadOnlyList<TelemetryRow> rows) =>
        new(rows.Count, records.Select(r => r.DeviceId).Distinct(StringComparer.Ordinal).Count(), [.. rows.Select(TelemetryJson.Of)]);

    /// <summary>Model summaries by variant id: the model files given, then the registry's newest versions.</summary>
    public static Func<string, ModelSummary?> Summaries(string? registry, IReadOnlyList<FileInfo> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var byId = new Dictionary<string, ModelSummary>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(registry) && Directory.Exists(registry) && File.Exists(Path.Combine(registry, "index.json")))
        {
            foreach (var v in VariantRegistry.Open(registry).Latest)
            {
                byId[v.VariantId] = v.Summary;
            }
        }

        foreach (var file in models)
        {
            var summary = ModelSummary.Of(File.ReadAllBytes(file.FullName));
            byId[summary.VariantId.Length > 0 ? summary.VariantId : summary.ModelId] = summary;
        }

        return id => byId.GetValueOrDefault(id);
    }
}
