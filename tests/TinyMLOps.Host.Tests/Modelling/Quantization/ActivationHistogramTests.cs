using TinyMLOps.Modelling.Quantization;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

public class ActivationHistogramTests
{
    [Fact]
    public void Bins_are_exact_float_intervals_thirty_two_to_an_octave()
    {
        Assert.Equal(1f, ActivationHistogram.Edge(-ActivationHistogram.LowestExponent * ActivationHistogram.BinsPerOctave));
        Assert.Equal(2f * ActivationHistogram.Edge(100), ActivationHistogram.Edge(100 + ActivationHistogram.BinsPerOctave));
        Assert.Equal(1f + (1f / 32), ActivationHistogram.Edge((-ActivationHistogram.LowestExponent * ActivationHistogram.BinsPerOctave) + 1));
    }

    [Fact]
    public void Values_land_in_the_bins_that_enclose_them_tiny_ones_in_the_lowest_and_zeros_apart()
    {
        var h = new ActivationHistogram();
        float[] values = [0f, -0f, 0.3f, 0.3f, -7.5f, 1e9f, 1e-30f];
        h.Add(values);

        Assert.Equal(values.Length, h.Count);
        Assert.Equal(2, h.Zeros);
        IReadOnlyList<HistogramBin> bins = h.Bins(-7.5f, 1e9f);
        Assert.Equal([1L, 2L, 1L, 2L, 1L], bins.Select(b => b.Count));
        Assert.InRange(-7.5, bins[0].Low, bins[0].High);
        Assert.InRange(0.3, bins[3].Low, bins[3].High);
        Assert.True(bins[3].High / bins[3].Low < 1.04, "a bin is about 3 % of its value wide at most");
        Assert.Equal(1e9, bins[4].High);
    }

    [Fact]
    public void Calibration_counts_every_value_of_every_layer_output()
    {
        var model = new TinyMLOps.Modelling.Float.FloatModel("t", new(1, 1, 4), [new TinyMLOps.Modelling.Float.DenseLayer(4, 3)]);
        TestData.Randomize(model, 5);
        float[][] samples = [.. Enumerable.Range(0, 10).Select(i => TestData.RandomFloats(4, i))];

        CalibrationStats stats = PostTrainingQuantizer.Calibrate(model, samples);

        Assert.Equal(30, stats.LayerHistograms[0].Count);
    }
}
