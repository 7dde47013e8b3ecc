using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

/// <summary>Seeded test models for the ONNX tests: random float models and a hand-built int8 model.</summary>
internal static class OnnxModels
{
    /// <summary>
    /// 12x10x3 input → Conv 3x3 (relu6) → depthwise x2 stride 2 (relu) → MaxPool 2 with bottom/right padding →
    /// AveragePool 2 stride 1 with padding → Flatten → Dense (relu) → Dense → Softmax. Non-square, several
    /// channels, so every layout conversion matters.
    /// </summary>
    public static FloatModel RandomFloatCnn(int seed)
    {
        var input = new TensorShape(12, 10, 3);
        var layers = new FloatLayer[]
        {
            new Conv2DLayer(3, 6, new WindowSpec(3, 3, 1, 1, 1, 1, 1, 1), FloatActivation.Relu6),
            new DepthwiseConv2DLayer(6, 2, new WindowSpec(3, 3, 2, 2, 1, 1, 1, 1), FloatActivation.Relu),
            new MaxPool2DLayer(new WindowSpec(2, 2, 2, 2, 0, 0, 1, 1)),
            new AveragePool2DLayer(new WindowSpec(2, 2, 1, 1, 0, 0, 1, 1)),
            new FlattenLayer(),
            new DenseLayer(108, 16, FloatActivation.Relu),
            new DenseLayer(16, 5),
            new SoftmaxLayer(),
        };
        var model = new FloatModel($"random-cnn-{seed}", input, layers);
        Randomize(model, seed);
        return model;
    }

    /// <summary>Flat 20-feature input → Dense (relu) → Dense (relu6) → Softmax.</summary>
    public static FloatModel RandomFloatMlp(int seed)
    {
        var model = new FloatModel($"random-mlp-{seed}", new TensorShape(1, 1, 20), [
            new DenseLayer(20, 12, FloatActivation.Relu),
            new DenseLayer(12, 4, FloatActivation.Relu6),
            new SoftmaxLayer(),
        ]);
        Randomize(model, seed);
        return model;
    }

    public static float[] RandomInput(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)rng.NextDouble();
        }

        return x;
    }

    public static void HwcToChw(ReadOnlySpan<float> hwc, TensorShape s, Span<float> chw)
    {
        for (int y = 0; y < s.H; y++)
        {
            for (int x = 0; x < s.W; x++)
            {
                for (int c = 0; c < s.C; c++)
                {
                    chw[(((c * s.H) + y) * s.W) + x] = hwc[(((y * s.W) + x) * s.C) + c];
                }
            }
        }
    }

    private static void Randomize(FloatModel model, int seed)
    {
        var rng = new Random(seed);
        foreach (FloatLayer layer in model.Layers)
        {
            (float[] w, float[] b, int fanIn) = layer switch
            {
                Conv2DLayer c => (c.Weights, c.Bias, c.Window.KernelH * c.Window.KernelW * c.InChannels),
                DepthwiseConv2DLayer d => (d.Weights, d.Bias, d.Window.KernelH * d.Window.KernelW),
                DenseLayer d => (d.Weights, d.Bias, d.Inputs),
                _ => ([], [], 1),
            };
            float range = 2f / MathF.Sqrt(fanIn);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = ((float)rng.NextDouble() - 0.5f) * 2f * range;
            }

            for (int i = 0; i < b.Length; i++)
            {
                b[i] = ((float)rng.NextDouble() - 0.5f) * 0.2f;
            }
        }
    }

    /// <summary>
    /// A hand-built int8 model for 28x28x1 images that uses what trained zoo models do not: strided and
    /// asymmetrically padded convolution with relu6, a depth multiplier of 2 without activation, padded max pooling with a fused
    /// relu (an int8 clamp), padded average pooling, a reshape to a non-flat shape, a 1x1 convolution, then
    /// flatten, dense and softmax. Weights are seeded random, quantized per channel; activation scales are
    /// calibrated on <paramref name="calibration"/> images, so the int8 ranges are used like a real model's.
    /// </summary>
    public static Int8Model HandBuiltInt8(int seed, ImageDataset calibration)
    {
        var rng = new Random(seed);
        var ops = new Operator[]
        {
            Conv(rng, 1, 6, new Window(3, 3, 2, 2, 1, 0, 1, 1), Activation.Relu6, 14, 14),
            Depthwise(rng, 6, 2, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.None, 14, 14),
            new MaxPool2D { Window = new Window(3, 3, 2, 2, 1, 1, 1, 1), FusedActivation = Activation.Relu, OutH = 7, OutW = 7, OutC = 12 },
            new AveragePool2D { Window = new Window(2, 2, 2, 2, 0, 0, 1, 1), OutH = 4, OutW = 4, OutC = 12 },
            new Reshape { OutH = 2, OutW = 8, OutC = 12 },
            Conv(rng, 12, 8, new Window(1, 1, 1, 1, 0, 0, 0, 0), Activation.None, 2, 8),
            new Reshape { OutH = 1, OutW = 1, OutC = 128 },
            Dense(rng, 128, 10),
            new Softmax { OutH = 1, OutW = 1, OutC = 10, OutScale = Softmax.OutputScale, OutZeroPoint = Softmax.OutputZeroPoint },
        };
        var model = new Int8Model
        {
            ModelId = $"hand-built-{seed}",
            VariantId = "int8",
            InputH = 28,
            InputW = 28,
            InputC = 1,
            InputScale = 1f / 255f,
            InputZeroPoint = -128,
            Labels = [],
            Operators = ops,
        };
        Calibrate(model, calibration);
        return model;
    }

    private static (byte[] Weights, float[] Scales) QuantizeWeights(Random rng, int channels, int perChannel, Func<int, int, int> index, float std)
    {
        var w = new byte[channels * perChannel];
        var scales = new float[channels];
        var real = new float[perChannel];
        for (int c = 0; c < channels; c++)
        {
            float max = 1e-6f;
            for (int k = 0; k < perChannel; k++)
            {
                real[k] = (float)(Normal(rng) * std);
                max = Math.Max(max, Math.Abs(real[k]));
            }

            scales[c] = max / 127f;
            for (int k = 0; k < perChannel; k++)
            {
                w[index(c, k)] = (byte)(sbyte)QuantMath.ClampInt8(QuantMath.RoundToInt(real[k] / scales[c]));
            }
        }

        return (w, scales);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static Conv2D Conv(Random rng, int inC, int outC, Window win, int act, int outH, int outW)
    {
        int per = win.KernelH * win.KernelW * inC;
        (byte[] w, float[] s) = QuantizeWeights(rng, outC, per, (c, k) => (c * per) + k, (float)(1.5 / Math.Sqrt(per)));
        return new Conv2D { Window = win, Weights = w, WeightScales = s, Bias = new int[outC], FusedActivation = act, OutH = outH, OutW = outW, OutC = outC };
    }

    private static DepthwiseConv2D Depthwise(Random rng, int inC, int m, Window win, int act, int outH, int outW)
    {
        int outC = inC * m;
        int k = win.KernelH * win.KernelW;
        (byte[] w, float[] s) = QuantizeWeights(rng, outC, k, (c, j) => (j * outC) + c, (float)(1.5 / Math.Sqrt(k)));
        return new DepthwiseConv2D { Window = win, DepthMultiplier = m, Weights = w, WeightScales = s, Bias = new int[outC], FusedActivation = act, OutH = outH, OutW = outW, OutC = outC };
    }

    private static FullyConnected Dense(Random rng, int inputs, int units)
    {
        (byte[] w, float[] s) = QuantizeWeights(rng, units, inputs, (c, k) => (c * inputs) + k, (float)(1.5 / Math.Sqrt(inputs)));
        return new FullyConnected { Weights = w, WeightScales = s, Bias = new int[units], OutH = 1, OutW = 1, OutC = units };
    }

    /// <summary>
    /// Layer by layer: random real biases, then the real range of the (activated) accumulators over the
    /// calibration images picks the output scale and zero point, as post-training quantization does.
    /// </summary>
    private static void Calibrate(Int8Model model, ImageDataset data)
    {
        Operator[] all = model.Operators;
        var rng = new Random(99);
        for (int i = 0; i < all.Length; i++)
        {
            Operator op = all[i];
            model.Operators = all[..(i + 1)];
            if (op is MaxPool2D or AveragePool2D or Reshape)
            {
                model.LinkOperator(i);
                op.OutScale = op.InScale;
                op.OutZeroPoint = op.InZeroPoint;
                continue;
            }

            if (op is Softmax)
            {
                continue;
            }

            (int[] bias, float[] ws) = op switch
            {
                Conv2D c => (c.Bias, c.WeightScales),
                DepthwiseConv2D d => (d.Bias, d.WeightScales),
                FullyConnected f => (f.Bias, f.WeightScales),
                _ => throw new InvalidOperationException(),
            };
            model.LinkOperator(i);
            for (int c = 0; c < bias.Length; c++)
            {
                bias[c] = QuantMath.RoundToInt(((rng.NextDouble() * 0.4) - 0.1) / ((double)op.InScale * ws[c]));
            }

            // Provisional output quantization, only to prepare; the probe gives the accumulators.
            op.OutScale = 1f;
            op.OutZeroPoint = 0;
            model.Prepare();
            var interpreter = new Interpreter(model);
            op.AccumulatorProbe = new int[op.AccumulatorCount];
            double min = 0, max = 0;
            for (int n = 0; n < Math.Min(300, data.Count); n++)
            {
                interpreter.SetInputFromBytes(data.Pixels, n * data.PixelsPerImage);
                interpreter.Invoke();
                for (int k = 0; k < op.AccumulatorProbe.Length; k++)
                {
                    double real = op.AccumulatorProbe[k] * (double)op.InScale * ws[k % op.OutC];
                    real = op.FusedActivation == Activation.None ? real : Math.Max(0, real);
                    real = op.FusedActivation == Activation.Relu6 ? Math.Min(6, real) : real;
                    min = Math.Min(min, real);
                    max = Math.Max(max, real);
                }
            }

            op.AccumulatorProbe = null;
            double scale = Math.Max(max - min, 1e-6) / 255.0;
            op.OutScale = (float)scale;
            op.OutZeroPoint = QuantMath.ClampInt8(QuantMath.RoundToInt(-128 - (min / scale)));
        }

        model.Operators = all;
        model.Prepare();
    }
}
