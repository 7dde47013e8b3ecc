using System.Diagnostics;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Quantization;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// The C99 kernels of firmware/native against the C# kernels, the reference: thousands of random layers per kernel
/// (shapes, strides, paddings, zero points, per-channel multipliers, fused activations, biases near the int32 limits whose sums wrap), every
/// output byte identical. The multipliers and activation ranges come from the C library's own quantization math.
/// </summary>
public sealed class NativeKernelTests(ITestOutputHelper output)
{
    private const int Cases = 10_000;

    [NativeKernelFact]
    public void Fully_connected_layers_give_the_same_bytes_as_the_csharp_kernel()
    {
        var coverage = new Coverage();
        var rng = new Random(19);
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Cases; n++)
        {
            int inputs = rng.Next(4) == 0 ? rng.Next(1, 9) : rng.Next(1, 300);
            int units = rng.Next(1, 33);
            var op = new FullyConnected { InH = 1, InW = 1, InC = inputs, OutH = 1, OutW = 1, OutC = units, Weights = Weights(rng, inputs * units) };
            var layer = Layer.Random(rng, op, units, inputs);
            op.WeightScales = layer.WeightScales;
            op.Bias = layer.Bias;
            sbyte[] input = Input(rng, inputs);
            sbyte[] expected = Run(op, input);

            var quant = layer.Quant();
            var actual = new sbyte[units];
            NativeKernels.FullyConnected(ref quant, inputs, units, input, op.Weights, op.Bias, layer.Multipliers, layer.Shifts, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: FullyConnected {inputs}->{units} differs at byte {FirstDifference(expected, actual)}");
            coverage.Add(layer, expected);
        }

        Report("FullyConnected", coverage, clock);
    }

    [NativeKernelFact]
    public void Convolutions_give_the_same_bytes_as_the_csharp_kernel()
    {
        var coverage = new Coverage();
        var rng = new Random(1919);
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Cases; n++)
        {
            int inC = rng.Next(4) == 0 ? 8 * rng.Next(1, 3) : rng.Next(1, 7);
            int outC = rng.Next(1, 9);
            (var win, int inH, int inW) = RandomWindow(rng);
            var op = new Conv2D
            {
                Window = win, InH = inH, InW = inW, InC = inC, OutH = win.OutputHeight(inH), OutW = win.OutputWidth(inW), OutC = outC,
                Weights = Weights(rng, outC * win.KernelH * win.KernelW * inC),
            };
            var layer = Layer.Random(rng, op, outC, win.KernelH * win.KernelW * inC);
            op.WeightScales = layer.WeightScales;
            op.Bias = layer.Bias;
            sbyte[] input = Input(rng, inH * inW * inC);
            sbyte[] expected = Run(op, input);

            var quant = layer.Quant();
            var inShape = new NativeKernels.Shape { H = inH, W = inW, C = inC };
            var outShape = new NativeKernels.Shape { H = op.OutH, W = op.OutW, C = outC };
            var window = Native(win);
            var actual = new sbyte[expected.Length];
            NativeKernels.Conv2D(ref quant, ref inShape, ref outShape, ref window, input, op.Weights, op.Bias, layer.Multipliers, layer.Shifts, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Conv2D {Describe(inH, inW, inC, win)} -> {outC} differs at byte {FirstDifference(expected, actual)}");
            coverage.Add(layer, expected, Padded(win, inH, inW));
        }

        Report("Conv2D", coverage, clock);
    }

    [NativeKernelFact]
    public void Depthwise_convolutions_give_the_same_bytes_as_the_csharp_kernel()
    {
        var coverage = new Coverage();
        var rng = new Random(191919);
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Cases; n++)
        {
            int inC = rng.Next(1, 9);
            int m = rng.Next(3) == 0 ? rng.Next(2, 4) : 1;
            int outC = inC * m;
            (var win, int inH, int inW) = RandomWindow(rng);
            var op = new DepthwiseConv2D
            {
                Window = win, DepthMultiplier = m, InH = inH, InW = inW, InC = inC, OutH = win.OutputHeight(inH), OutW = win.OutputWidth(inW), OutC = outC,
                Weights = Weights(rng, win.KernelH * win.KernelW * outC),
            };
            var layer = Layer.Random(rng, op, outC, win.KernelH * win.KernelW);
            op.WeightScales = layer.WeightScales;
            op.Bias = layer.Bias;
            sbyte[] input = Input(rng, inH * inW * inC);
            sbyte[] expected = Run(op, input);

            var quant = layer.Quant();
            var inShape = new NativeKernels.Shape { H = inH, W = inW, C = inC };
            var outShape = new NativeKernels.Shape { H = op.OutH, W = op.OutW, C = outC };
            var window = Native(win);
            var actual = new sbyte[expected.Length];
            NativeKernels.DepthwiseConv2D(ref quant, ref inShape, ref outShape, ref window, m, input, op.Weights, op.Bias, layer.Multipliers, layer.Shifts, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: DepthwiseConv2D {Describe(inH, inW, inC, win)} x{m} differs at byte {FirstDifference(expected, actual)}");
            coverage.Add(layer, expected, Padded(win, inH, inW));
        }

        Report("DepthwiseConv2D", coverage, clock);
    }

    [NativeKernelFact]
    public void Requantization_gives_the_same_integers_as_QuantMath()
    {
        NativeKernels.EnsureLoaded();
        var rng = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            int x = rng.Next(8) switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => rng.Next(-3, 4), _ => rng.Next(int.MinValue, int.MaxValue) >> rng.Next(31) };
            int m = rng.Next(4) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(1 << 30, int.MaxValue);
            int shift = rng.Next(10) == 0 ? rng.Next(-40, 40) : rng.Next(-31, 31);
            Assert.Equal(QuantMath.MultiplyByQuantizedMultiplier(x, m, shift), NativeKernels.MultiplyByQuantizedMultiplier(x, m, shift));
        }
    }

    [NativeKernelFact]
    public void Multipliers_split_and_refuse_exactly_as_QuantMath_does()
    {
        NativeKernels.EnsureLoaded();
        var rng = new Random(8);
        double[] special = [0, -1, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, 1, 0.5, Math.Pow(2, 30), Math.BitDecrement(Math.Pow(2, 30)), Math.Pow(2, -32), Math.BitDecrement(Math.Pow(2, -32)), 1 - Math.Pow(2, -33)];
        int refused = 0;
        for (int i = 0; i < 100_000 + special.Length; i++)
        {
            double real = i < special.Length ? special[i] : Math.Pow(2, (rng.NextDouble() * 80) - 45) * (rng.Next(20) == 0 ? -1 : 1);
            int status = NativeKernels.QuantizeMultiplier(real, out int m, out int s);
            try
            {
                QuantMath.QuantizeMultiplier(real, out int expectedM, out int expectedS);
                Assert.True(status == 0, $"C refused {real:R}");
                Assert.Equal((expectedM, expectedS), (m, s));
            }
            catch (ArgumentException)
            {
                Assert.True(status == -1, $"C accepted {real:R}");
                refused++;
            }
        }

        Assert.InRange(refused, 1000, 50_000);

        // Per channel, from float scales, with the failing channel reported.
        float[] scales = [0.01f, 0.002f, 1e9f];
        var mult = new int[3];
        var shifts = new int[3];
        Assert.Equal(-3, NativeKernels.QuantizeChannelMultipliers(0.5f, scales, 1e-3f, 3, mult, shifts));
        QuantMath.QuantizeChannelMultiplier(0.5f, 0.002f, 1e-3f, out int m1, out int s1);
        Assert.Equal((m1, s1), (mult[1], shifts[1]));
    }

    [NativeKernelFact]
    public void Activation_ranges_match_QuantMath()
    {
        NativeKernels.EnsureLoaded();
        var rng = new Random(9);
        int narrowed = 0;
        for (int i = 0; i < 50_000; i++)
        {
            int activation = rng.Next(3);
            float scale = (float)Math.Pow(2, (rng.NextDouble() * 40) - 32);
            int zp = rng.Next(-128, 128);
            QuantMath.ActivationRange(activation, scale, zp, out int min, out int max);
            NativeKernels.ActivationRange(activation, scale, zp, out int nativeMin, out int nativeMax);
            Assert.Equal((min, max), (nativeMin, nativeMax));
            narrowed += max < QuantMath.Int8Max ? 1 : 0;
        }

        Assert.True(narrowed > 1000, narrowed + " ReLU6 ranges below 127");
    }

    private static sbyte[] Run(Operator op, sbyte[] input)
    {
        op.Prepare();
        var arena = new sbyte[input.Length + op.OutputElements];
        input.CopyTo(arena, 0);
        op.InputOffset = 0;
        op.OutputOffset = input.Length;
        op.Eval(arena);
        return arena.AsSpan(input.Length).ToArray();
    }

    /// <summary>A window with strides 1..3, kernels 1..5 (3x3 often) and paddings below the kernel, over an input it fits.</summary>
    private static (Window Window, int InH, int InW) RandomWindow(Random rng)
    {
        while (true)
        {
            bool three = rng.Next(3) == 0;
            int kh = three ? 3 : rng.Next(1, 6);
            int kw = three ? 3 : rng.Next(1, 6);
            var win = new Window(kh, kw, rng.Next(1, 4), rng.Next(1, 4), rng.Next(kh), rng.Next(kw), rng.Next(kh), rng.Next(kw));
            int inH = rng.Next(1, 11);
            int inW = rng.Next(1, 11);
            if (win.OutputHeight(inH) > 0 && win.OutputWidth(inW) > 0)
            {
                return (win, inH, inW);
            }
        }
    }

    private static NativeKernels.WindowParams Native(Window w) => new()
    {
        KernelH = w.KernelH, KernelW = w.KernelW, StrideH = w.StrideH, StrideW = w.StrideW,
        PadTop = w.PadTop, PadLeft = w.PadLeft, PadBottom = w.PadBottom, PadRight = w.PadRight,
    };

    private static bool Padded(Window w, int inH, int inW) =>
        w.PadTop + w.PadLeft > 0 || ((w.OutputHeight(inH) - 1) * w.StrideH) + w.KernelH > inH + w.PadTop || ((w.OutputWidth(inW) - 1) * w.StrideW) + w.KernelW > inW + w.PadLeft;

    private static string Describe(int inH, int inW, int inC, Window w) =>
        $"{inH}x{inW}x{inC} k{w.KernelH}x{w.KernelW} s{w.StrideH}x{w.StrideW} p{w.PadTop},{w.PadLeft},{w.PadBottom},{w.PadRight}";

    private static sbyte[] Input(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return (sbyte[])(Array)b;
    }

    private static byte[] Weights(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static int FirstDifference(sbyte[] a, sbyte[] b) => a.AsSpan().CommonPrefixLength(b);

    private void Report(string kernel, Coverage c, Stopwatch clock)
    {
        output.WriteLine($"{kernel}: {Cases} layers, {c.Bytes} output bytes, {c.Inside} inside the activation range, {c.FullRange} layers with biases near the int32 limits, {c.Padded} padded, {clock.ElapsedMilliseconds} ms");

        // Not a saturated comparison (ReLU alone clamps about half of two layers in three): outputs inside the
        // range are common, and every kind of layer occurs.
        Assert.True(c.Inside > c.Bytes * 4 / 10, $"{kernel}: only {c.Inside} of {c.Bytes} outputs inside the activation range");
        Assert.True(c.FullRange > Cases / 50, $"{kernel}: {c.FullRange} layers with biases near the int32 limits");
        Assert.True(c.Activations.All(a => a > Cases / 5), $"{kernel}: activations {string.Join(",", c.Activations)}");
        Assert.True(kernel == "FullyConnected" || c.Padded > Cases / 4, $"{kernel}: {c.Padded} padded layers");
    }

    /// <summary>One random layer's quantization: zero points, activation, per-channel scales, biases, and the constants the C library derives from them.</summary>
    private sealed class Layer
    {
        public int InZeroPoint;
        public int OutZeroPoint;
        public int Activation;
        public int ActMin;
        public int ActMax;
        public bool HugeBias;
        public float[] WeightScales = [];
        public int[] Bias = [];
        public int[] Multipliers = [];
        public int[] Shifts = [];

        /// <summary>
        /// Scales such that a typical accumulator (|x - zp| ~ 100, |w| ~ 64, sqrt(taps) terms) lands near ±2^U(2, 6)
        /// output steps, with a tenth of the layers far off either way; biases of ±20,000, or in 1 layer of 20 within 3 typical accumulators of the int32 limits, so that the sums wrap.
        /// </summary>
        public static Layer Random(Random rng, Operator op, int channels, int taps)
        {
            var layer = new Layer
            {
                InZeroPoint = rng.Next(-128, 128),
                OutZeroPoint = rng.Next(-128, 128),
                Activation = rng.Next(3),
                HugeBias = rng.Next(20) == 0,
            };
            float inScale = (float)Math.Pow(2, -rng.NextDouble() * 10);
            double typical = 6400 * Math.Sqrt(taps);
            double multiplier = Math.Pow(2, rng.Next(10) == 0 ? (rng.NextDouble() * 40) - 30 : (rng.NextDouble() * 4) + 2) / typical;
            float weightBase = (float)Math.Pow(2, -4 - (rng.NextDouble() * 8));
            float outScale = (float)(inScale * weightBase / multiplier);
            layer.WeightScales = Enumerable.Range(0, channels).Select(_ => weightBase * (float)Math.Pow(2, (rng.NextDouble() * 2) - 1)).ToArray();
            layer.Bias = Enumerable.Range(0, channels).Select(_ => layer.HugeBias ? NearLimit(rng, (int)typical) : rng.Next(-20_000, 20_000)).ToArray();
            op.InScale = inScale;
            op.InZeroPoint = layer.InZeroPoint;
            op.OutScale = outScale;
            op.OutZeroPoint = layer.OutZeroPoint;
            op.FusedActivation = layer.Activation;

            layer.Multipliers = new int[channels];
            layer.Shifts = new int[channels];
            Assert.Equal(0, NativeKernels.QuantizeChannelMultipliers(inScale, layer.WeightScales, outScale, channels, layer.Multipliers, layer.Shifts));
            for (int c = 0; c < channels; c++)
            {
                QuantMath.QuantizeChannelMultiplier(inScale, layer.WeightScales[c], outScale, out int m, out int s);
                Assert.Equal((m, s), (layer.Multipliers[c], layer.Shifts[c]));
            }

            NativeKernels.ActivationRange(layer.Activation, outScale, layer.OutZeroPoint, out layer.ActMin, out layer.ActMax);
            return layer;
        }

        private static int NearLimit(Random rng, int typical) =>
            rng.Next(2) == 0 ? int.MaxValue - rng.Next(3 * typical) : int.MinValue + rng.Next(3 * typical);

        public NativeKernels.Quant Quant() => new() { InputZeroPoint = InZeroPoint, OutputZeroPoint = OutZeroPoint, ActMin = ActMin, ActMax = ActMax };
    }

    private sealed class Coverage
    {
        public long Bytes;
        public long Inside;
        public int FullRange;
        public int Padded;
        public int[] Activations = new int[3];

        public void Add(Layer layer, sbyte[] output, bool padded = false)
        {
            Bytes += output.Length;
            Inside += output.Count(v => v > layer.ActMin && v < layer.ActMax);
            FullRange += layer.HugeBias ? 1 : 0;
            Padded += padded ? 1 : 0;
            Activations[layer.Activation]++;
        }
    }
}
