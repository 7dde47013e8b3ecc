using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>Per-feature scaling: columns of very different magnitude each use the int8 range, and folding keeps the float model's function.</summary>
public sealed class FeatureScalingTests : DataFiles
{
    /// <summary>A column of tenths next to one of thousands, as raw sensor or lab measurements come.</summary>
    private DataSet SmallAndLarge()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 400).Select(_ => $"{0.1 + (0.1 * random.NextDouble()):F4},{1000 + (2000 * random.NextDouble()):F1},{random.Next(2)}");
        return CsvTableLoader.Load(WriteText("t.csv", "small,large,label\n" + string.Join('\n', rows) + "\n"), new DataSetOptions(1, 1, 2));
    }

    private static FloatModel Classifier()
    {
        var dense = new DenseLayer(2, 3);
        // Both features matter: the small one weighted up to the large one's influence.
        float[] w = [500f, 0.1f, -500f, -0.1f, 1f, 0.001f];
        w.CopyTo(dense.Weights, 0);
        dense.Bias[0] = -200f;
        return new FloatModel("t", new TensorShape(1, 1, 2), [dense]);
    }

    [Fact]
    public void After_the_normalize_front_end_both_a_tenths_column_and_a_thousands_column_use_most_of_the_int8_range()
    {
        DataSet data = SmallAndLarge();
        Normalize n = FeatureScaling.Robust(data);
        FloatModel folded = FeatureScaling.Fold(Classifier(), n);
        IReadOnlyList<float[]> scaled = FeatureScaling.Apply(n, data.Samples);
        Int8Model int8 = PostTrainingQuantizer.Quantize(folded, PostTrainingQuantizer.Calibrate(folded, scaled), new QuantizationOptions { PixelInput = false });
        int8.FrontEnd = n;
        int[] withFrontEnd = Spans(data, n, int8.InputScale, int8.InputZeroPoint);
        Assert.All(withFrontEnd, span => Assert.True(span > 200, $"int8 spans {string.Join(", ", withFrontEnd)}"));

        // Without it, one input scale covers 0..3000 and the tenths column gets a single int8 step.
        Int8Model raw = PostTrainingQuantizer.Quantize(Classifier(), PostTrainingQuantizer.Calibrate(Classifier(), data.Samples), new QuantizationOptions { PixelInput = false });
        int[] without = Spans(data, new Normalize(1, 1, 2, [0, 0], [1, 1]), raw.InputScale, raw.InputZeroPoint);
        Assert.True(without[0] <= 1 && without[1] > 100, $"int8 spans without the front-end {string.Join(", ", without)}");

        // The front-end travels in the model file.
        Int8Model read = ModelReader.Read(ModelWriter.Write(int8));
        Assert.Equal(n.Offset, Assert.IsType<Normalize>(read.FrontEnd).Offset);
    }

    [Fact]
    public void Folding_the_scaling_into_the_first_layer_keeps_the_float_outputs_on_raw_values()
    {
        DataSet data = SmallAndLarge();
        Normalize n = FeatureScaling.Robust(data);
        FloatModel model = Classifier(), folded = FeatureScaling.Fold(model, n);
        foreach (float[] x in data.Samples.Take(20))
        {
            float[] expected = FloatInference.Forward(model, x), actual = FloatInference.Forward(folded, FeatureScaling.Apply(n, x));
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k], actual[k], Math.Abs(expected[k]) * 1e-4 + 1e-3);
            }
        }
    }

    [Fact]
    public void Robust_scaling_is_the_median_and_a_high_percentile_of_deviations_and_standardisation_the_mean_and_population_std()
    {
        string rows = string.Join('\n', Enumerable.Range(1, 100).Select(i => $"{i},{(i == 100 ? 1e6 : 5)}"));
        DataSet data = CsvTableLoader.Load(WriteText("r.csv", "a,b\n" + rows + "\n"), new DataSetOptions(1, 1, 2));
        Normalize robust = FeatureScaling.Robust(data);
        Assert.Equal(50.5f, robust.Offset[0]);
        Assert.Equal(49.5f, robust.Scale[0]);
        // One outlier in a constant column: the median ignores it, the scale falls back to the largest deviation.
        Assert.Equal(5f, robust.Offset[1]);
        Normalize standard = FeatureScaling.Standardize(data);
        Assert.Equal(50.5f, standard.Offset[0], 3);
        Assert.Equal((float)Math.Sqrt(((100 * 100) - 1) / 12.0), standard.Scale[0], 3);
    }

    [Fact]
    public void A_model_whose_first_layer_is_not_dense_cannot_take_a_folded_scaling()
    {
        var conv = new Conv2DLayer(2, 1, new WindowSpec(1, 1));
        var model = new FloatModel("c", new TensorShape(1, 4, 2), [conv]);
        Assert.Contains("not a dense", FeatureScaling.CannotFold(model));
    }

    /// <summary>For each feature, the spread (max - min) of its int8 values after the front-end and the input quantization.</summary>
    private static int[] Spans(DataSet data, Normalize n, float scale, int zeroPoint)
    {
        var min = new int[] { 127, 127 };
        var max = new int[] { -128, -128 };
        var q = new sbyte[2];
        foreach (float[] x in data.Samples)
        {
            n.ProcessValues(x, 0, q, 0, scale, zeroPoint);
            for (int k = 0; k < 2; k++)
            {
                min[k] = Math.Min(min[k], q[k]);
                max[k] = Math.Max(max[k], q[k]);
            }
        }

        return [max[0] - min[0], max[1] - min[1]];
    }
}
