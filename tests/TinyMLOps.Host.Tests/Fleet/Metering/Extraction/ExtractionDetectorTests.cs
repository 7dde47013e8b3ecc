using TinyMLOps.Fleet.Metering.Extraction;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Metering.Extraction;

public class ExtractionDetectorTests
{
    private static readonly ExtractionPolicy Policy = new();

    /// <summary>Hourly receipts of one device: count per hour and the shares of each signal.</summary>
    private static List<QuerySignalRecord> Hours(int hours, long perHour, double low = 0.1, double ood = 0, double dup = 0.01, long baseline = 360) =>
        [.. Enumerable.Range(0, hours).Select(h => new QuerySignalRecord(
            "d", h + 1, "kws", "kws-int8", 1_700_000_000 + (h * 3600), 1_700_000_000 + (h * 3600) + 3599, perHour, perHour,
            (long)(perHour * low), (long)(perHour * ood), (long)(perHour * dup), baseline, DateTimeOffset.UnixEpoch))];

    private static readonly double[] Fleet = [340, 360, 380, 355];

    [Fact]
    public void A_device_querying_like_the_fleet_with_real_inputs_is_not_flagged()
    {
        var v = ExtractionDetector.Evaluate("d", Hours(6, 360), Fleet, Policy);
        Assert.False(v.Flag);
        Assert.Empty(v.Tripped);
        Assert.Equal(2_160, v.Observed);
        Assert.InRange(v.RatePerHour, 359, 361);
        Assert.Equal(357.5, v.FleetPerHour);
    }

    [Fact]
    public void A_fast_device_feeding_synthetic_inputs_is_flagged_with_its_reasons()
    {
        var v = ExtractionDetector.Evaluate("d", Hours(6, 7_200, low: 0.05, ood: 0.5, dup: 0.45, baseline: 7_000), Fleet, Policy);
        Assert.True(v.Flag);
        Assert.Equal(3, v.Score);
        Assert.Contains("the fleet median", v.Reasons);
        Assert.Contains("out of distribution 50", v.Reasons);
        Assert.Contains("near duplicates 45", v.Reasons);
    }

    [Fact]
    public void One_signal_alone_is_not_enough_so_a_busy_honest_device_or_a_dim_camera_stays_unflagged()
    {
        Assert.False(ExtractionDetector.Evaluate("d", Hours(6, 7_200), Fleet, Policy).Flag);
        Assert.False(ExtractionDetector.Evaluate("d", Hours(6, 360, ood: 0.9), Fleet, Policy).Flag);
        Assert.Equal(1, ExtractionDetector.Evaluate("d", Hours(6, 360, ood: 0.9), Fleet, Policy).Score);
    }

    [Fact]
    public void A_device_that_suddenly_queries_far_above_its_own_normal_rate_trips_the_rate_signal_without_a_fleet()
    {
        var v = ExtractionDetector.Evaluate("d", Hours(3, 3_600, low: 0.6, baseline: 300), [], Policy);
        Assert.True(v.Flag);
        Assert.Contains("12.0x its normal 300/h", v.Reasons);
        Assert.Contains("low confidence 60", v.Reasons);
        Assert.Equal(0, v.FleetPerHour);
    }

    [Fact]
    public void Too_few_observed_inferences_never_flag_and_too_few_fleet_devices_give_no_median()
    {
        var few = Hours(1, 200, ood: 0.9, dup: 0.9);
        var v = ExtractionDetector.Evaluate("d", few, [10, 10], Policy);
        Assert.Equal(2, v.Score);
        Assert.False(v.Flag);
        Assert.Equal(0, v.FleetPerHour);
        Assert.False(ExtractionDetector.Evaluate("d", [], Fleet, Policy).Flag);
    }

    [Fact]
    public void A_burst_shorter_than_the_minimum_span_is_rated_over_the_minimum_span()
    {
        Assert.Equal(1_200, ExtractionDetector.RatePerHour(100, 1_000, 1_010, TimeSpan.FromMinutes(5)), 6);
        Assert.Equal(100, ExtractionDetector.RatePerHour(100, 0, 3_600, TimeSpan.FromMinutes(5)), 6);
    }
}
