using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

public class CrossLayerEqualizationTests
{
    [Theory]
    [InlineData("calibration/pool_bn_cnn.onnx")]
    [InlineData("calibration/depthwise_cnn.onnx")]
    [InlineData("reference/kws_dscnn.onnx")]
    [InlineData("reference/ic_resnet8.onnx")]
    public void Equalization_preserves_the_float_outputs_on_random_inputs(string file)
    {
        FloatModel model = OnnxImporter.Import(OnnxTestSupport.Fixture(file));
        FloatModel equalized = CrossLayerEqualization.Apply(model);
        Assert.NotEmpty(CrossLayerEqualization.FindPairs(model));
        var random = new Random(18);
        for (int n = 0; n < 4; n++)
        {
            float[] x = [.. Enumerable.Range(0, model.Input.Elements).Select(_ => (float)random.NextDouble())];
            float[] expected = FloatInference.Forward(model, x);
            float[] actual = FloatInference.Forward(equalized, x);
            float tolerance = 1e-4f * Math.Max(expected.Max(Math.Abs), 1e-6f);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{file}: output {i} is {actual[i]}, was {expected[i]}");
            }
        }
    }

    [Fact]
    public void Equalization_does_not_change_the_callers_model()
    {
        FloatModel model = OnnxImporter.Import(OnnxTestSupport.Fixture("calibration/depthwise_cnn.onnx"));
        float[][] before = [.. model.Layers.Select(l => Weights(l).ToArray())];
        FloatModel equalized = CrossLayerEqualization.Apply(model);
        for (int l = 0; l < model.Layers.Count; l++)
        {
            Assert.Equal(before[l], Weights(model.Layers[l]));
        }

        Assert.Contains(Enumerable.Range(0, model.Layers.Count), l => !Weights(model.Layers[l]).SequenceEqual(Weights(equalized.Layers[l])));
    }

    [Fact]
    public void After_equalization_the_weight_ranges_of_each_pair_are_equal_per_channel()
    {
        FloatModel equalized = CrossLayerEqualization.Apply(OnnxImporter.Import(OnnxTestSupport.Fixture("calibration/depthwise_cnn.onnx")));
        IReadOnlyList<CrossLayerEqualization.Pair> pairs = CrossLayerEqualization.FindPairs(equalized);
        Assert.True(pairs.Count >= 6, $"{pairs.Count} pairs");
        foreach (CrossLayerEqualization.Pair pair in pairs)
        {
            (float[] r1, float[] r2) = CrossLayerEqualization.Ranges(equalized, pair);
            for (int c = 0; c < pair.Channels; c++)
            {
                if (r1[c] > 0 && r2[c] > 0)
                {
                    Assert.True(Math.Abs(r1[c] - r2[c]) <= 1e-3f * r2[c], $"pair {pair}, channel {c}: {r1[c]} against {r2[c]}");
                }
            }
        }
    }

    [Fact]
    public void A_single_pair_gets_both_ranges_to_the_geometric_mean()
    {
        FloatModel model = TwoConvs(FloatActivation.Relu);
        var pair = Assert.Single(CrossLayerEqualization.FindPairs(model));
        (float[] r1, float[] r2) = CrossLayerEqualization.Ranges(model, pair);
        FloatModel equalized = CrossLayerEqualization.Apply(model);
        (float[] e1, float[] e2) = CrossLayerEqualization.Ranges(equalized, pair);
        for (int c = 0; c < pair.Channels; c++)
        {
            float mean = MathF.Sqrt(r1[c] * r2[c]);
            Assert.Equal(mean, e1[c], mean * 1e-5f);
            Assert.Equal(mean, e2[c], mean * 1e-5f);
        }
    }

    [Fact]
    public void A_relu6_pair_is_left_alone()
    {
        FloatModel model = TwoConvs(FloatActivation.Relu6);
        Assert.Empty(CrossLayerEqualization.FindPairs(model));
        FloatModel equalized = CrossLayerEqualization.Apply(model);
        for (int l = 0; l < model.Layers.Count; l++)
        {
            Assert.Equal(Weights(model.Layers[l]), Weights(equalized.Layers[l]));
        }
    }

    [Fact]
    public void A_producer_read_by_two_layers_is_left_alone()
    {
        var random = new Random(5);
        var conv = Filled(new Conv2DLayer(2, 4, WindowSpec.Same(3), FloatActivation.Relu), random);
        var left = Filled(new Conv2DLayer(4, 4, WindowSpec.Same(1)), random);
        var right = Filled(new Conv2DLayer(4, 4, WindowSpec.Same(1)), random);
        var model = new FloatModel("branch", new TensorShape(6, 6, 2), [conv, left, right, new BinaryLayer(false)], inputs: [[0], [1], [1], [2, 3]]);
        Assert.DoesNotContain(CrossLayerEqualization.FindPairs(model), p => p.Producer == 0);
    }

    [Fact]
    public void A_dense_layer_after_a_flatten_reads_producer_channels_in_hwc_order()
    {
        var random = new Random(9);
        var conv = Filled(new Conv2DLayer(1, 3, WindowSpec.Same(3), FloatActivation.Relu), random);
        for (int i = 0; i < conv.Weights.Length / 3; i++)
        {
            conv.Weights[(2 * conv.Weights.Length / 3) + i] *= 500f;
        }

        var dense = Filled(new DenseLayer(4 * 4 * 3, 5), random);
        var model = new FloatModel("flat", new TensorShape(4, 4, 1), [conv, new FlattenLayer(), dense]);
        var pair = Assert.Single(CrossLayerEqualization.FindPairs(model));
        Assert.Equal((0, 2, 3), (pair.Producer, pair.Consumer, pair.Channels));
        FloatModel equalized = CrossLayerEqualization.Apply(model);
        float[] x = [.. Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble())];
        float[] expected = FloatInference.Forward(model, x), actual = FloatInference.Forward(equalized, x);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-4f * expected.Max(Math.Abs));
        }
    }

    private static FloatModel TwoConvs(FloatActivation activation)
    {
        var random = new Random(3);
        var first = Filled(new Conv2DLayer(2, 4, WindowSpec.Same(3), activation), random);
        for (int i = 0; i < first.Weights.Length / 4; i++)
        {
            first.Weights[i] *= 100f;
        }

        var second = Filled(new Conv2DLayer(4, 3, WindowSpec.Same(3)), random);
        return new FloatModel("two", new TensorShape(5, 5, 2), [first, second]);
    }

    private static T Filled<T>(T layer, Random random)
        where T : FloatLayer
    {
        float[] w = Weights(layer);
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return layer;
    }

    private static float[] Weights(FloatLayer layer) => layer switch
    {
        Conv2DLayer c => c.Weights,
        DepthwiseConv2DLayer dw => dw.Weights,
        DenseLayer d => d.Weights,
        _ => [],
    };
}
