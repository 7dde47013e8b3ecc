using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Shared.Tests;

/// <summary>Seeded int8 models with realistic scales, built directly as operators.</summary>
internal static class RandomModels
{
    public static Int8Model Mlp(int seed, int inputs = 64, int hidden = 32, int classes = 10)
    {
        var rng = new Random(seed);
        var model = Input(rng, 8, inputs / 8, 1);
        model.Operators =
        [
            new Reshape { OutH = 1, OutW = 1, OutC = inputs, OutScale = model.InputScale, OutZeroPoint = model.InputZeroPoint },
            Dense(rng, inputs, hidden, Activation.Relu),
            Dense(rng, hidden, classes, Activation.None),
            new Softmax { OutH = 1, OutW = 1, OutC = classes, OutScale = Softmax.OutputScale, OutZeroPoint = Softmax.OutputZeroPoint },
        ];
        model.Labels = Enumerable.Range(0, classes).Select(i => "class" + i).ToArray();
        model.Prepare();
        return model;
    }

    /// <summary>A dense classifier over an h x w x c input (a front-end's output).</summary>
    public static Int8Model Classifier(int seed, int h, int w, int c, int classes = 4)
    {
        var rng = new Random(seed);
        var model = Input(rng, h, w, c);
        int inputs = h * w * c;
        model.Operators =
        [
            new Reshape { OutH = 1, OutW = 1, OutC = inputs, OutScale = model.InputScale, OutZeroPoint = model.InputZeroPoint },
            Dense(rng, inputs, classes, Activation.None),
            new Softmax { OutH = 1, OutW = 1, OutC = classes, OutScale = Softmax.OutputScale, OutZeroPoint = Softmax.OutputZeroPoint },
        ];
        model.Labels = Enumerable.Range(0, classes).Select(i => "class" + i).ToArray();
        model.Prepare();
        return model;
    }

    /// <summary>Every kernel once: conv, depthwise, max and average pooling, reshape, dense, softmax.</summary>
    public static Int8Model Cnn(int seed)
    {
        var rng = new Random(seed);
        var model = Input(rng, 12, 12, 2);
        var conv = Conv(rng, 12, 12, 2, 6, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.Relu);
        var dw = Depthwise(rng, 12, 12, 6, 2, new Window(3, 3, 2, 2, 1, 1, 0, 0), Activation.Relu6);
        var mp = new MaxPool2D { Window = new Window(2, 2, 2, 2, 0, 0, 0, 0), OutH = 3, OutW = 3, OutC = 12, OutScale = dw.OutScale, OutZeroPoint = dw.OutZeroPoint };
        var ap = new AveragePool2D { Window = new Window(2, 2, 1, 1, 0, 0, 1, 1), OutH = 3, OutW = 3, OutC = 12, OutScale = dw.OutScale, OutZeroPoint = dw.OutZeroPoint };
        var flat = new Reshape { OutH = 1, OutW = 1, OutC = 108, OutScale = dw.OutScale, OutZeroPoint = dw.OutZeroPoint };
        var fc = Dense(rng, 108, 10, Activation.None);
        var sm = new Softmax { OutH = 1, OutW = 1, OutC = 10, OutScale = Softmax.OutputScale, OutZeroPoint = Softmax.OutputZeroPoint };
        model.Operators = [conv, dw, mp, ap, flat, fc, sm];
        model.Labels = [];
        model.Prepare();
        return model;
    }

    /// <summary>
    /// A DAG with every graph kernel: a residual Add, Pad then a convolution, a tanh Lookup branch, a requantizing
    /// channel Concat, a squeeze-excite gate (Mean, sigmoid Lookup, per-channel Mul), a scalar Add, a Mean and a head.
    /// </summary>
    public static Int8Model Graph(int seed)
    {
        var rng = new Random(seed);
        var model = Input(rng, 8, 8, 4);
        var conv = Conv(rng, 8, 8, 4, 4, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.None); // t1
        var residual = new Add { InputIds = [1, 0], FusedActivation = Activation.Relu }; // t2
        Quantized(rng, residual, 8, 8, 4);
        var pad = new Pad { InputIds = [2], PadTop = 1, PadBottom = 1, PadLeft = 1, PadRight = 1, OutH = 10, OutW = 10, OutC = 4, OutScale = residual.OutScale, OutZeroPoint = residual.OutZeroPoint }; // t3
        var conv2 = Conv(rng, 10, 10, 4, 4, new Window(3, 3, 1, 1, 0, 0, 0, 0), Activation.Relu); // t4
        conv2.InputIds = [3];
        var tanh = Table(2, 8, 8, 4, residual.OutScale, residual.OutZeroPoint, 1f / 128f, 0, Math.Tanh); // t5
        var cat = new Concat { InputIds = [4, 5], Axis = 2 }; // t6
        Quantized(rng, cat, 8, 8, 8);
        var squeeze = new Mean { InputIds = [6] }; // t7
        Quantized(rng, squeeze, 1, 1, 8);
        var gate = Table(7, 1, 1, 8, squeeze.OutScale, squeeze.OutZeroPoint, 1f / 256f, -128, x => 1 / (1 + Math.Exp(-x))); // t8
        var excite = new Mul { InputIds = [6, 8] }; // t9
        Quantized(rng, excite, 8, 8, 8);
        var single = Conv(rng, 8, 8, 4, 1, new Window(1, 1, 1, 1, 0, 0, 0, 0), Activation.None); // t10: 8x8x1
        single.InputIds = [0];
        var scalar = new Mean { InputIds = [10] }; // t11: 1x1x1
        Quantized(rng, scalar, 1, 1, 1);
        var offset = new Add { InputIds = [9, 11] }; // t12: a scalar broadcast
        Quantized(rng, offset, 8, 8, 8);
        var pool = new Mean { InputIds = [12] }; // t13
        Quantized(rng, pool, 1, 1, 8);
        var head = Dense(rng, 8, 5, Activation.None); // t14
        model.Operators = [conv, residual, pad, conv2, tanh, cat, squeeze, gate, excite, single, scalar, offset, pool, head];
        model.Labels = [];
        model.Prepare();
        return model;
    }

    /// <summary>A Lookup of f over the input's real values, quantized as a host would.</summary>
    public static Lookup Table(int input, int h, int w, int c, float inScale, int inZeroPoint, float outScale, int outZeroPoint, Func<double, double> f)
    {
        var table = new byte[Lookup.TableSize];
        for (int v = 0; v < table.Length; v++)
        {
            table[v] = (byte)QuantMath.Quantize((float)f((v - 128 - inZeroPoint) * (double)inScale), outScale, outZeroPoint);
        }

        return new Lookup { InputIds = [input], Table = table, OutH = h, OutW = w, OutC = c, OutScale = outScale, OutZeroPoint = outZeroPoint };
    }

    public static void Quantized(Random rng, Operator op, int h, int w, int c)
    {
        op.OutH = h;
        op.OutW = w;
        op.OutC = c;
        op.OutScale = 0.02f + ((float)rng.NextDouble() * 0.06f);
        op.OutZeroPoint = rng.Next(-30, 30);
    }

    public static Int8Model Input(Random rng, int h, int w, int c) => new()
    {
        ModelId = "test-model",
        VariantId = "v" + rng.Next(100),
        InputH = h,
        InputW = w,
        InputC = c,
        InputScale = 1f / 255f,
        InputZeroPoint = -128,
    };

    public static FullyConnected Dense(Random rng, int inputs, int units, int activation)
    {
        return new FullyConnected
        {
            OutH = 1, OutW = 1, OutC = units, FusedActivation = activation,
            OutScale = 0.02f + (float)rng.NextDouble() * 0.05f, OutZeroPoint = rng.Next(-20, 20),
            WeightScales = Scales(rng, units), Bias = Biases(rng, units),
            Weights = Bytes(rng, inputs * units), WeightsOffset = 0,
        };
    }

    public static Conv2D Conv(Random rng, int h, int w, int inC, int outC, Window win, int activation)
    {
        return new Conv2D
        {
            Window = win, OutH = win.OutputHeight(h), OutW = win.OutputWidth(w), OutC = outC, FusedActivation = activation,
            OutScale = 0.02f + (float)rng.NextDouble() * 0.05f, OutZeroPoint = rng.Next(-20, 20),
            WeightScales = Scales(rng, outC), Bias = Biases(rng, outC),
            Weights = Bytes(rng, outC * win.KernelH * win.KernelW * inC),
        };
    }

    public static DepthwiseConv2D Depthwise(Random rng, int h, int w, int c, int multiplier, Window win, int activation)
    {
        return new DepthwiseConv2D
        {
            Window = win, DepthMultiplier = multiplier, OutH = win.OutputHeight(h), OutW = win.OutputWidth(w), OutC = c * multiplier,
            FusedActivation = activation, OutScale = 0.02f + (float)rng.NextDouble() * 0.05f, OutZeroPoint = rng.Next(-20, 20),
            WeightScales = Scales(rng, c * multiplier), Bias = Biases(rng, c * multiplier),
            Weights = Bytes(rng, win.KernelH * win.KernelW * c * multiplier),
        };
    }

    public static byte[] RandomInput(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static float[] Scales(Random rng, int n) => Enumerable.Range(0, n).Select(_ => 0.002f + (float)rng.NextDouble() * 0.01f).ToArray();

    private static int[] Biases(Random rng, int n) => Enumerable.Range(0, n).Select(_ => rng.Next(-2000, 2000)).ToArray();

    private static byte[] Bytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        for (int i = 0; i < n; i++)
        {
            if (b[i] == 0x80)
            {
                b[i] = 0x81; // symmetric weights never use -128
            }
        }

        return b;
    }
}
