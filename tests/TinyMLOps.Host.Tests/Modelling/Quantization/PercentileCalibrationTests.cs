using TinyMLOps.Modelling.Quantization;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

public class PercentileCalibrationTests
{
    /// <summary>200,000 standard normal values (Box-Muller, seeded), then <paramref name="outliers"/> values of 50 and -40.</summary>
    internal static (ActivationHistogram Histogram, float Min, float Max) GaussianWithOutliers(int outliers)
    {
        var rng = new Random(7);
        var values = new float[200_000 + (2 * outliers)];
        for (int i = 0; i < 200_000; i++)
        {
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }

        for (int i = 0; i < outliers; i++)
        {
            values[200_000 + i] = 50f;
            values[200_000 + outliers + i] = -40f;
        }

        var h = new ActivationHistogram();
        h.Add(values);
        return (h, values.Min(), values.Max());
    }

    [Fact]
    public void The_99_99th_percentile_of_a_gaussian_with_outliers_clips_them_off()
    {
        (ActivationHistogram h, float min, float max) = GaussianWithOutliers(outliers: 5);

        (float lo, float hi) = new PercentileCalibration(99.99).Range(h, min, max);

        // The normal's 99.99th percentile is 3.72 sigma; 5 outliers in 200,010 values are under the 0.01 % tail.
        Assert.Equal(50f, max);
        Assert.InRange(hi, 3.5f, 4.0f);
        Assert.InRange(lo, -4.0f, -3.5f);
    }

    [Fact]
    public void A_relu_output_keeps_zero_as_its_lower_end_and_the_100th_percentile_is_the_maximum()
    {
        var h = new ActivationHistogram();
        float[] values = [.. Enumerable.Range(0, 100_000).Select(i => i % 2 == 0 ? 0f : i / 100_000f)];
        h.Add(values);

        (float lo, float hi) = new PercentileCalibration(99.9).Range(h, 0f, values.Max());
        Assert.Equal(0f, lo);
        Assert.InRange(hi, 0.995f, 0.999f);
        Assert.Equal((0f, values.Max()), new PercentileCalibration(100).Range(h, 0f, values.Max()));
    }

    [Fact]
    public void Stats_filled_by_hand_without_a_histogram_keep_their_min_and_max()
    {
        Assert.Equal((-1f, 2f), new PercentileCalibration().Range(new ActivationHistogram(), -1f, 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PercentileCalibration(40));
    }
}
