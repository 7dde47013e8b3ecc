using TinyMLOps.Modelling.Float;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// Empirical bias correction (Nagel et al. 2019, "Data-free quantization through weight equalization and bias
/// correction", §4.2): rounding weights and inputs shifts the mean of a layer's output, and the shift adds up layer
/// after layer. For every convolution and dense layer in order, the int8 model (with the layers before it already
/// corrected) runs the samples up to that layer; its mean int32 accumulator per output channel is compared with the
/// float model's mean pre-activation on the same samples, and the difference comes off the int32 bias.
/// </summary>
public static class BiasCorrection
{
    /// <summary>Samples used by default: the mean of a channel settles long before calibration's thousands.</summary>
    public const int DefaultSamples = 512;

    /// <summary>Corrects <paramref name="int8"/>'s biases in place and returns how many layers it corrected.</summary>
    public static int Apply(FloatModel model, Int8Model int8, IReadOnlyList<float[]> samples, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(int8);
        ArgumentNullException.ThrowIfNull(samples);
        if (int8.Operators.Length != model.Layers.Count)
        {
            throw new ArgumentException($"the int8 model has {int8.Operators.Length} operators, the float model {model.Layers.Count} layers");
        }

        int[] targets = [.. Enumerable.Range(0, model.Layers.Count).Where(l => BiasOf(int8.Operators[l]) != null && LinearCopy(model.Layers[l]) != null)];
        if (targets.Length == 0 || samples.Count == 0)
        {
            return 0;
        }

        double[][] floatMeans = FloatMeans(model, targets, samples, maxDegreeOfParallelism);
        int workers = Math.Max(1, Math.Min(maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism, samples.Count));
        byte[] file = ModelWriter.Write(int8);

        // Operators hold their arena offsets, so every worker runs its own decoded copy.
        Int8Model[] copies = [.. Enumerable.Range(0, workers).Select(_ => ModelReader.Read(file))];
        Interpreter[] interpreters = [.. copies.Select(c => new Interpreter(c))];
        for (int t = 0; t < targets.Length; t++)
        {
            int l = targets[t];
            Operator op = int8.Operators[l];
            int channels = op.OutC;
            var sums = new long[workers][];
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                Operator mine = copies[w].Operators[l];
                var probe = new int[mine.AccumulatorCount];
                var sum = new long[channels];
                mine.AccumulatorProbe = probe;
                int start = (int)((long)samples.Count * w / workers), end = (int)((long)samples.Count * (w + 1) / workers);
                for (int i = start; i < end; i++)
                {
                    interpreters[w].SetInputFromFloats(samples[i], 0);
                    interpreters[w].InvokeRange(0, l + 1);
                    for (int k = 0; k < probe.Length; k++)
                    {
                        sum[k % channels] += probe[k];
                    }
                }

                mine.AccumulatorProbe = null!;
                sums[w] = sum;
            });

            int[] bias = BiasOf(op)!;
            float[] weightScales = WeightScalesOf(op);
            double positions = (double)samples.Count * op.OutH * op.OutW;
            for (int c = 0; c < channels; c++)
            {
                double int8Mean = sums.Sum(s => s[c]) / positions;
                double floatMean = floatMeans[t][c] / ((double)op.InScale * weightScales[c]);
                double corrected = bias[c] - Math.Round(int8Mean - floatMean, MidpointRounding.AwayFromZero);
                bias[c] = (int)Math.Clamp(corrected, int.MinValue, int.MaxValue);
            }

            op.Prepare();
            foreach (Int8Model copy in copies)
            {
                bias.CopyTo(BiasOf(copy.Operators[l])!, 0);
                copy.Operators[l].Prepare();
            }
        }

        return targets.Length;
    }

    /// <summary>Mean float pre-activation per output channel of each target layer, on the float model's own inputs to it.</summary>
    private static double[][] FloatMeans(FloatModel model, int[] targets, IReadOnlyList<float[]> samples, int maxDegreeOfParallelism)
    {
        FloatLayer[] linear = [.. targets.Select(l => LinearCopy(model.Layers[l])!)];
        var total = targets.Select(l => new double[model.Shapes[l + 1].C]).ToArray();
        object gate = new();
        Parallel.For(
            0,
            samples.Count,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => targets.Select(l => new double[model.Shapes[l + 1].C]).ToArray(),
            (i, _, sums) =>
            {
                float[][] outputs = FloatInference.ForwardAll(model, samples[i]);
                for (int t = 0; t < targets.Length; t++)
                {
                    int l = targets[t];
                    int source = model.InputsOf(l)[0];
                    float[] x = source == 0 ? samples[i] : outputs[source - 1];
                    float[] pre = ReferenceEquals(linear[t], model.Layers[l])
                        ? outputs[l]
                        : FloatInference.Forward(linear[t], model.Shapes[source], model.Shapes[l + 1], x);
                    int channels = sums[t].Length;
                    for (int k = 0; k < pre.Length; k++)
                    {
                        sums[t][k % channels] += pre[k];
                    }
                }

                return sums;
            },
            sums =>
            {
                lock (gate)
                {
                    for (int t = 0; t < targets.Length; t++)
                    {
                        for (int c = 0; c < sums[t].Length; c++)
                        {
                            total[t][c] += sums[t][c];
                        }
                    }
                }
            });
        for (int t = 0; t < targets.Length; t++)
        {
            TensorShape shape = model.Shapes[targets[t] + 1];
            double positions = (double)samples.Count * shape.H * shape.W;
            for (int c = 0; c < total[t].Length; c++)
            {
                total[t][c] /= positions;
            }
        }

        return total;
    }

    /// <summary>The layer without its fused activation (itself when it has none): the int32 accumulator is taken before it.</summary>
    private static FloatLayer? LinearCopy(FloatLayer layer)
    {
        switch (layer)
        {
            case DenseLayer { Activation: FloatActivation.None }:
            case Conv2DLayer { Activation: FloatActivation.None }:
            case DepthwiseConv2DLayer { Activation: FloatActivation.None }:
                return layer;
            case DenseLayer d:
                var dense = new DenseLayer(d.Inputs, d.Units);
                d.Weights.CopyTo(dense.Weights, 0);
                d.Bias.CopyTo(dense.Bias, 0);
                return dense;
            case Conv2DLayer c:
                var conv = new Conv2DLayer(c.InChannels, c.OutChannels, c.Window);
                c.Weights.CopyTo(conv.Weights, 0);
                c.Bias.CopyTo(conv.Bias, 0);
                return conv;
            case DepthwiseConv2DLayer dw:
                var depthwise = new DepthwiseConv2DLayer(dw.Channels, dw.Multiplier, dw.Window);
                dw.Weights.CopyTo(depthwise.Weights, 0);
                dw.Bias.CopyTo(depthwise.Bias, 0);
                return depthwise;
            default:
                return null;
        }
    }

    private static int[]? BiasOf(Operator op) => op switch
    {
        Conv2D c => c.Bias,
        DepthwiseConv2D dw => dw.Bias,
        FullyConnected fc => fc.Bias,
        _ => null,
    };

    private static float[] WeightScalesOf(Operator op) => op switch
    {
        Conv2D c => c.WeightScales,
        DepthwiseConv2D dw => dw.WeightScales,
        FullyConnected fc => fc.WeightScales,
        _ => throw new ArgumentException($"{op.Name} has no weights", nameof(op)),
    };
}
