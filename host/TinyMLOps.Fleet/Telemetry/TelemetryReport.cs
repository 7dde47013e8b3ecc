using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Telemetry;

/// <summary>
/// The fleet's operational telemetry of one variant on one board, pooled over its devices, next to what the cost model
/// estimated for that board and model (docs/observability.md).
/// </summary>
/// <param name="MinFreeHeapBytes">The lowest free heap any of the devices saw, or -1 when none could tell.</param>
/// <param name="EnergyPerInferenceMj">Metered energy per inference, or (when <paramref name="EnergyEstimated"/>) the board's active power × the measured mean latency; NaN without either.</param>
/// <param name="Board">The board's profile, or null for a board the catalog lacks.</param>
/// <param name="Model">The variant's model summary (registry or model file), or null when unknown: no estimate then.</param>
/// <param name="Estimate">The cost model's estimate for the board and model, or null.</param>
public sealed record TelemetryRow(
    string BoardId,
    string VariantId,
    int Devices,
    long Inferences,
    double MeanLatencyMs,
    double P50LatencyMs,
    double P95LatencyMs,
    double MaxLatencyMs,
    long ArenaBytes,
    long WorkingBytes,
    long MinFreeHeapBytes,
    double EnergyPerInferenceMj,
    bool EnergyEstimated,
    BoardProfile? Board,
    ModelSummary? Model,
    VariantCost? Estimate)
{
    /// <summary>Measured mean latency over the estimate (1 = as estimated), or null without an estimate.</summary>
    public double? LatencyRatio => Ratio(MeanLatencyMs, Estimate?.LatencyMs);

    public double? P95Ratio => Ratio(P95LatencyMs, Estimate?.LatencyMs);

    /// <summary>Measured working set (arena and kernel tables) over the model summary's, or null.</summary>
    public double? WorkingRatio => Ratio(WorkingBytes, Model?.WorkingBytes);

    /// <summary>RAM the variant takes on the device (its file buffer plus the measured working set), or null without the model's file size.</summary>
    public long? RamBytes => Model is { } m ? m.FlashBytes + WorkingBytes : null;

    /// <summary>That RAM over the board's application RAM, or null.</summary>
    public double? RamShareOfBoard => RamBytes is { } ram && Board is { AppRamBytes: > 0 } b ? (double)ram / b.AppRamBytes : null;

    /// <summary>Energy per inference over the estimate; an estimated energy has the latency's ratio.</summary>
    public double? EnergyRatio => double.IsNaN(EnergyPerInferenceMj) ? null : Ratio(EnergyPerInferenceMj, Estimate?.EnergyMillijoules);

    private static double? Ratio(double measured, double? estimate) => estimate is > 0 ? measured / estimate.Value : null;
}

/// <summary>Pools per-device telemetry by board and variant and sets it against the cost model.</summary>
public static class TelemetryReport
{
    /// <param name="models">The model summary of a variant id, or null when unknown.</param>
    public static IReadOnlyList<TelemetryRow> Build(IEnumerable<VariantTelemetryRecord> records, BoardCatalog boards, Func<string, ModelSummary?> models, bool? nativeKernels = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(boards);
        ArgumentNullException.ThrowIfNull(models);
        var rows = new List<TelemetryRow>();
        foreach (var group in records.GroupBy(r => (r.Board, r.VariantId)).OrderBy(g => g.Key.Board, StringComparer.Ordinal).ThenBy(g => g.Key.VariantId, StringComparer.Ordinal))
        {
            var list = group.ToList();
            long inferences = list.Sum(r => r.Inferences);
            long sum = list.Sum(r => r.LatencySumMicros);
            long max = list.Max(r => r.LatencyMaxMicros);
            var histogram = new long[VariantTelemetry.LatencyBuckets];
            foreach (var r in list)
            {
                for (int b = 0; b < Math.Min(histogram.Length, r.LatencyHistogram.Length); b++)
                {
                    histogram[b] += r.LatencyHistogram[b];
                }
            }

            double meanMs = inferences == 0 ? 0 : sum / (double)inferences / 1000.0;
            boards.TryGet(group.Key.Board, out BoardProfile? board);
            ModelSummary? model = models(group.Key.VariantId);
            VariantCost? estimate = board != null && model != null ? CostModel.Estimate(board, model, nativeKernels) : null;

            var metered = list.Where(r => r.Metered).ToList();
            long meteredInferences = metered.Sum(r => r.Inferences);
            double energy;
            bool estimated;
            if (meteredInferences > 0)
            {
                energy = metered.Sum(r => r.EnergyMicrojoules) / (double)meteredInferences / 1000.0;
                estimated = false;
            }
            else
            {
                // mW × ms = µJ.
                energy = board == null ? double.NaN : board.ActivePowerMilliwatts * meanMs / 1000.0;
                estimated = true;
            }

            var heaps = list.Where(r => r.MinFreeHeapBytes > 0).Select(r => r.MinFreeHeapBytes).ToList();
            rows.Add(new TelemetryRow(
                group.Key.Board,
                group.Key.VariantId,
                list.Select(r => r.DeviceId).Distinct(StringComparer.Ordinal).Count(),
                inferences,
                meanMs,
                PercentileMicros(histogram, 0.50, max) / 1000.0,
                PercentileMicros(histogram, 0.95, max) / 1000.0,
                max / 1000.0,
                list.Max(r => r.ArenaBytes),
                list.Max(r => r.WorkingBytes),
                heaps.Count == 0 ? -1 : heaps.Min(),
                energy,
                estimated,
                board,
                model,
                estimate));
        }

        return rows;
    }

    /// <summary>
    /// The latency at quantile <paramref name="q"/> of a half-octave histogram (<see cref="VariantTelemetry.BucketOf"/>),
    /// interpolated linearly inside its bucket and never above the largest latency seen.
    /// </summary>
    public static double PercentileMicros(IReadOnlyList<long> histogram, double q, long maxMicros)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long total = histogram.Sum();
        if (total == 0)
        {
            return 0;
        }

        double rank = Math.Clamp(q, 0, 1) * total;
        long below = 0;
        for (int b = 0; b < histogram.Count; b++)
        {
            long n = histogram[b];
            if (n > 0 && below + n >= rank)
            {
                double low = Math.Min(VariantTelemetry.BucketStartMicros(b), maxMicros);
                double high = b + 1 < VariantTelemetry.LatencyBuckets ? Math.Min(VariantTelemetry.BucketStartMicros(b + 1), maxMicros) : maxMicros;
                return low + ((high - low) * Math.Clamp((rank - below) / n, 0, 1));
            }

            below += n;
        }

        return maxMicros;
    }
}
