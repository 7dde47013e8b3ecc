using TinyMLOps.Modelling.Quantization;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

public class MseCalibrationTests
{
    [Fact]
    public void A_gaussian_is_clipped_inside_its_thin_tails()
    {
        (ActivationHistogram h, float min, float max) = PercentileCalibrationTests.GaussianWithOutliers(outliers: 0);

        (float lo, float hi) = new MseCalibration().Range(h, min, max);

        Assert.InRange(hi, 2.5f, 0.95f * max);
        Assert.InRange(lo, 0.95f * min, -2.5f);
        Assert.True(MseCalibration.Error(h.Bins(min, max), lo, hi) < MseCalibration.Error(h.Bins(min, max), min, max), "clipping lowers the squared error");
    }

    [Fact]
    public void Far_outliers_are_kept_when_saturating_them_would_cost_more_than_their_coarser_steps()
    {
        // Five values at 50 among 200,000 normal ones: clipped to ~4 they would add 5 * 46^2 to the squared error,
        // far more than the rounding error the wider steps cost the bulk. Percentile clipping drops them regardless.
        (ActivationHistogram h, float min, float max) = PercentileCalibrationTests.GaussianWithOutliers(outliers: 5);

        (float lo, float hi) = new MseCalibration().Range(h, min, max);

        Assert.Equal(max, hi);
        Assert.Equal(min, lo);
        Assert.True(new PercentileCalibration().Range(h, min, max).Max < 5);
    }

    [Fact]
    public void A_uniform_distribution_keeps_almost_its_whole_range()
    {
        var rng = new Random(3);
        float[] values = [.. Enumerable.Range(0, 100_000).Select(_ => (float)rng.NextDouble())];
        var h = new ActivationHistogram();
        h.Add(values);

        (float lo, float hi) = new MseCalibration().Range(h, values.Min(), values.Max());

        Assert.Equal(0f, lo); // a non-negative tensor's range starts at zero, as min/max widens it
        Assert.InRange(hi, 0.97f * values.Max(), values.Max());
    }

    [Fact]
    public void Values_far_below_a_step_count_as_rounding_to_zero()
    {
        // One bin of 1e-4 with a step of 1/255: the value rounds to the exact zero, error 1e-8 each rather than step^2/12.
        HistogramBin[] bins = [new(1e-4, 1e-4, 10)];
        Assert.Equal(10 * 1e-8, MseCalibration.Error(bins, 0, 1), 12);
    }
}
