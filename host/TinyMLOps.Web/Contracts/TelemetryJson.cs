using TinyMLOps.Fleet.Telemetry;

namespace TinyMLOps.Web.Contracts;

/// <summary>A board/variant pair as `fleet telemetry --output json` gives it: measured figures, the cost model's estimate and their ratios (null where unknown; JSON has no NaN).</summary>
public sealed record TelemetryJson(
    string Board,
    string VariantId,
    int Devices,
    long Inferences,
    double? MeanLatencyMs,
    double? P50LatencyMs,
    double? P95LatencyMs,
    double? MaxLatencyMs,
    long ArenaBytes,
    long WorkingBytes,
    long? RamBytes,
    double? RamShareOfBoard,
    long? MinFreeHeapBytes,
    double? EnergyPerInferenceMj,
    bool EnergyEstimated,
    double? EstimatedLatencyMs,
    double? EstimatedEnergyMj,
    double? LatencyRatio,
    double? P95Ratio,
    double? WorkingRatio,
    double? EnergyRatio)
{
    public static TelemetryJson Of(TelemetryRow r) => new(
        r.BoardId, r.VariantId, r.Devices, r.Inferences, Num(r.MeanLatencyMs), Num(r.P50LatencyMs), Num(r.P95LatencyMs), Num(r.MaxLatencyMs),
        r.ArenaBytes, r.WorkingBytes, r.RamBytes, Num(r.RamShareOfBoard), r.MinFreeHeapBytes <= 0 ? null : r.MinFreeHeapBytes,
        Num(r.EnergyPerInferenceMj), r.EnergyEstimated, Num(r.Estimate?.LatencyMs), Num(r.Estimate?.EnergyMillijoules),
        Num(r.LatencyRatio), Num(r.P95Ratio), Num(r.WorkingRatio), Num(r.EnergyRatio));

    private static double? Num(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}
