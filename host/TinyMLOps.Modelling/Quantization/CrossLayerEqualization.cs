using TinyMLOps.Modelling.Float;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// Cross-layer equalization (Nagel et al. 2019, "Data-free quantization through weight equalization and bias
/// correction", §4.1): for a layer whose output reaches one conv, depthwise or dense layer only through
/// positive-homogeneous functions (ReLU, LeakyReLU, pooling, padding, global mean, flatten), output channel c is
/// divided by s_c and the consumer's weights reading it are multiplied by s_c, with s_c chosen so that both weight
/// ranges become sqrt(r1 · r2). The float function is unchanged up to rounding; channels whose range dwarfs the rest
/// of their tensor are brought back in line, which a per-tensor activation scale needs.
/// </summary>
public static class CrossLayerEqualization
{
    /// <summary>Passes over all pairs at most (the paper iterates until the scales settle).</summary>
    public const int MaxIterations = 100;

    /// <summary>A pass whose scales all lie within this of 1 ends the iteration.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>A producer layer whose output channels <paramref name="Channels"/> feed only <paramref name="Consumer"/>.</summary>
    public readonly record struct Pair(int Producer, int Consumer, int Channels);

    /// <summary>An equalized copy of <paramref name="model"/>; the model itself is not changed.</summary>
    public static FloatModel Apply(FloatModel model, int maxIterations = MaxIterations)
    {
        ArgumentNullException.ThrowIfNull(model);
        FloatModel copy = Copy(model);
        IReadOnlyList<Pair> pairs = FindPairs(copy);
        for (int it = 0; it < maxIterations && pairs.Count > 0; it++)
        {
            double change = pairs.Max(p => Equalize(copy, p));
            if (change < Tolerance)
            {
                break;
            }
        }

        return copy;
    }

    /// <summary>The pairs the rewrite equalizes, in layer order.</summary>
    public static IReadOnlyList<Pair> FindPairs(FloatModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pairs = new List<Pair>();
        for (int p = 0; p < model.Layers.Count; p++)
        {
            if (!IsProducer(model.Layers[p]))
            {
                continue;
            }

            int tensor = p + 1;
            while (true)
            {
                var consumers = model.ConsumersOf(tensor).ToList();
                if (consumers.Count != 1 || model.InputsOf(consumers[0]).Length != 1)
                {
                    break;
                }

                int next = consumers[0];
                FloatLayer layer = model.Layers[next];
                if (IsConsumer(layer))
                {
                    pairs.Add(new Pair(p, next, model.Shapes[p + 1].C));
                    break;
                }

                if (!IsPassThrough(layer))
                {
                    break;
                }

                tensor = next + 1;
            }
        }

        return pairs;
    }

    /// <summary>Per channel c of a pair: the max |weight| of the producer's output channel c, and of the consumer's weights reading c.</summary>
    public static (float[] Producer, float[] Consumer) Ranges(FloatModel model, Pair pair)
    {
        ArgumentNullException.ThrowIfNull(model);
        (float[] pw, Func<int, int> pc) = ProducerWeights(model.Layers[pair.Producer]);
        (float[] cw, Func<int, int> cc) = ConsumerWeights(model.Layers[pair.Consumer], pair.Channels);
        return (MaxAbs(pw, pc, pair.Channels), MaxAbs(cw, cc, pair.Channels));
    }

    /// <summary>Equalizes one pair in place; returns the largest |ln s_c|.</summary>
    private static double Equalize(FloatModel model, Pair pair)
    {
        (float[] r1, float[] r2) = Ranges(model, pair);
        var s = new double[pair.Channels];
        double change = 0;
        for (int c = 0; c < s.Length; c++)
        {
            s[c] = r1[c] > 0f && r2[c] > 0f ? Math.Sqrt((double)r1[c] * r2[c]) / r2[c] : 1.0;
            change = Math.Max(change, Math.Abs(Math.Log(s[c])));
        }

        (float[] pw, Func<int, int> pc) = ProducerWeights(model.Layers[pair.Producer]);
        for (int i = 0; i < pw.Length; i++)
        {
            pw[i] = (float)(pw[i] / s[pc(i)]);
        }

        float[] bias = BiasOf(model.Layers[pair.Producer]);
        for (int c = 0; c < bias.Length; c++)
        {
            bias[c] = (float)(bias[c] / s[c]);
        }

        (float[] cw, Func<int, int> cc) = ConsumerWeights(model.Layers[pair.Consumer], pair.Channels);
        for (int i = 0; i < cw.Length; i++)
        {
            cw[i] = (float)(cw[i] * s[cc(i)]);
        }

        return change;
    }

    private static float[] MaxAbs(float[] weights, Func<int, int> channelOf, int channels)
    {
        var r = new float[channels];
        for (int i = 0; i < weights.Length; i++)
        {
            int c = channelOf(i);
            r[c] = Math.Max(r[c], Math.Abs(weights[i]));
        }

        return r;
    }

    /// <summary>ReLU6 clips at a fixed 6, so a channel scaled by 1/s would clip elsewhere: not equivariant.</summary>
    private static bool IsProducer(FloatLayer layer) => layer switch
    {
        Conv2DLayer c => c.Activation != FloatActivation.Relu6,
        DepthwiseConv2DLayer dw => dw.Activation != FloatActivation.Relu6,
        DenseLayer d => d.Activation != FloatActivation.Relu6,
        _ => false,
    };

    private static bool IsConsumer(FloatLayer layer) => layer is Conv2DLayer or DepthwiseConv2DLayer or DenseLayer;

    /// <summary>Layers that map each channel on its own and commute with a positive scale of it.</summary>
    private static bool IsPassThrough(FloatLayer layer) => layer switch
    {
        UnaryLayer u => u.Function is UnaryFunction.Relu or UnaryFunction.LeakyRelu,
        FlattenLayer or MaxPool2DLayer or AveragePool2DLayer or MeanLayer or PadLayer => true,
        _ => false,
    };

    /// <summary>The producer's weights and the output channel of each.</summary>
    private static (float[] Weights, Func<int, int> ChannelOf) ProducerWeights(FloatLayer layer) => layer switch
    {
        Conv2DLayer c => (c.Weights, i => i / (c.Window.KernelH * c.Window.KernelW * c.InChannels)),
        DepthwiseConv2DLayer dw => (dw.Weights, i => i % dw.OutChannels),
        DenseLayer d => (d.Weights, i => i / d.Inputs),
        _ => throw new ArgumentException($"{layer.Kind} is no producer", nameof(layer)),
    };

    /// <summary>The consumer's weights and the producer channel each reads (HWC flatten: index % channels).</summary>
    private static (float[] Weights, Func<int, int> ChannelOf) ConsumerWeights(FloatLayer layer, int channels) => layer switch
    {
        Conv2DLayer c => (c.Weights, i => i % c.InChannels),
        DepthwiseConv2DLayer dw => (dw.Weights, i => (i % dw.OutChannels) / dw.Multiplier),
        DenseLayer d => (d.Weights, i => i % d.Inputs % channels),
        _ => throw new ArgumentException($"{layer.Kind} is no consumer", nameof(layer)),
    };

    private static float[] BiasOf(FloatLayer layer) => layer switch
    {
        Conv2DLayer c => c.Bias,
        DepthwiseConv2DLayer dw => dw.Bias,
        DenseLayer d => d.Bias,
        _ => throw new ArgumentException($"{layer.Kind} has no bias", nameof(layer)),
    };

    /// <summary>The model with its own copies of every weighted layer (the others are shared: nothing here changes them).</summary>
    private static FloatModel Copy(FloatModel model)
    {
        FloatLayer[] layers = [.. model.Layers.Select(CopyLayer)];
        return new FloatModel(model.Name, model.Input, layers, model.Labels, Enumerable.Range(0, layers.Length).Select(model.InputsOf))
        {
            InputLayout = model.InputLayout,
        };
    }

    private static FloatLayer CopyLayer(FloatLayer layer)
    {
        switch (layer)
        {
            case DenseLayer d:
                var dense = new DenseLayer(d.Inputs, d.Units, d.Activation);
                d.Weights.CopyTo(dense.Weights, 0);
                d.Bias.CopyTo(dense.Bias, 0);
                return dense;
            case Conv2DLayer c:
                var conv = new Conv2DLayer(c.InChannels, c.OutChannels, c.Window, c.Activation);
                c.Weights.CopyTo(conv.Weights, 0);
                c.Bias.CopyTo(conv.Bias, 0);
                return conv;
            case DepthwiseConv2DLayer dw:
                var depthwise = new DepthwiseConv2DLayer(dw.Channels, dw.Multiplier, dw.Window, dw.Activation);
                dw.Weights.CopyTo(depthwise.Weights, 0);
                dw.Bias.CopyTo(depthwise.Bias, 0);
                return depthwise;
            default:
                return layer;
        }
    }
}
