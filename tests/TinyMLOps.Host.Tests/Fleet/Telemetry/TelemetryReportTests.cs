using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Telemetry;
using TinyMLOps.Host.Tests.Modelling.Variants;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Telemetry;

/// <summary>Pooling per-device telemetry by board and variant, and setting it against the cost model.</summary>
public sealed class TelemetryReportTests
{
    private static VariantTelemetryRecord Record(string device, string board, string variant, long[] latencies, long energy = 0, long heap = 40_000)
    {
        var histogram = new long[VariantTelemetry.LatencyBuckets];
        foreach (long l in latencies)
        {
            histogram[VariantTelemetry.BucketOf(l)]++;
        }

        return new VariantTelemetryRecord(device, "lab", board, variant, 1, 10, latencies.Length, latencies.Sum(), latencies.Max(), histogram, 4_000, 6_000, heap, energy, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void Percentiles_interpolate_inside_half_octave_buckets_and_never_exceed_the_maximum()
    {
        var histogram = new long[VariantTelemetry.LatencyBuckets];
        histogram[VariantTelemetry.BucketOf(1_000)] = 90; // [768, 1024) µs
        histogram[VariantTelemetry.BucketOf(5_000)] = 10; // [4096, 6144) µs

        double p50 = TelemetryReport.PercentileMicros(histogram, 0.5, 5_000);
        double p95 = TelemetryReport.PercentileMicros(histogram, 0.95, 5_000);
        Assert.InRange(p50, 768, 1024);
        Assert.InRange(p95, 4096, 5_000);
        Assert.Equal(5_000, TelemetryReport.PercentileMicros(histogram, 1.0, 5_000));
        Assert.Equal(0, TelemetryReport.PercentileMicros(new long[VariantTelemetry.LatencyBuckets], 0.5, 0));
    }

    [Fact]
    public void Devices_pool_per_board_and_variant_with_estimated_or_metered_energy()
    {
        var (artifact, _) = VariantTestModels.Make(new VariantSpec("mlp-w0.25", "mlp", 0.25), 0.85);
        var board = BoardCatalog.Default.Get("esp32-s3");
        var cost = CostModel.Estimate(board, artifact.Summary);
        long at = (long)(cost.LatencyMs * 1000);
        var records = new[]
        {
            Record("a", "esp32-s3", "mlp-w0.25", [at, at, at]),
            Record("b", "esp32-s3", "mlp-w0.25", [at * 2], heap: 30_000),
            Record("c", "esp32-s3", "other", [500], energy: 3 * 700),
            Record("d", "mystery-board", "mlp-w0.25", [900], heap: 0),
        };

        var rows = TelemetryReport.Build(records, BoardCatalog.Default, id => id == "mlp-w0.25" ? artifact.Summary : null);

        Assert.Equal([("esp32-s3", "mlp-w0.25"), ("esp32-s3", "other"), ("mystery-board", "mlp-w0.25")], rows.Select(r => (r.BoardId, r.VariantId)));
        var pooled = rows[0];
        Assert.Equal((2, 4L), (pooled.Devices, pooled.Inferences));
        Assert.Equal(5 * at / 4.0 / 1000.0, pooled.MeanLatencyMs, 6);
        Assert.Equal(1.25, pooled.LatencyRatio!.Value, 2);
        Assert.Equal(30_000, pooled.MinFreeHeapBytes);
        Assert.True(pooled.EnergyEstimated);
        Assert.Equal(board.ActivePowerMilliwatts * pooled.MeanLatencyMs / 1000.0, pooled.EnergyPerInferenceMj, 9);
        Assert.Equal(pooled.LatencyRatio!.Value, pooled.EnergyRatio!.Value, 9);
        Assert.Equal(6_000.0 / artifact.Summary.WorkingBytes, pooled.WorkingRatio!.Value, 9);
        Assert.Equal((double)(artifact.Summary.FlashBytes + 6_000) / board.AppRamBytes, pooled.RamShareOfBoard!.Value, 9);

        // Metered energy is used as measured (µJ per inference / 1000 = mJ); without a model there is no estimate.
        var metered = rows[1];
        Assert.False(metered.EnergyEstimated);
        Assert.Equal(2.1, metered.EnergyPerInferenceMj, 9);
        Assert.Null(metered.Estimate);
        Assert.Null(metered.LatencyRatio);

        // An unknown board: no estimate, no energy, unknown heap.
        var unknown = rows[2];
        Assert.Null(unknown.Board);
        Assert.True(double.IsNaN(unknown.EnergyPerInferenceMj));
        Assert.Null(unknown.EnergyRatio);
        Assert.Equal(-1, unknown.MinFreeHeapBytes);
    }
}
