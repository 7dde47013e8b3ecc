using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Quantization;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// The C99 kernels of firmware/native against the C# kernels, the reference: thousands of random layers per kernel
/// (shapes, strides, paddings, zero points, per-channel multipliers, fused activations, biases near the int32 limits whose sums wrap), every
/// output byte identical. The multipliers and activation ranges come from the C library's own quantization math.
/// The kernels with optimised paths (MAC kernels, pools, Add, Mul) are checked on both native builds: the reference
/// and -DTML_UNROLL (src/opt).
/// </summary>
public sealed class NativeKernelTests(ITestOutputHelper output)
{
    private const int Cases = 10_000;
    private const int PoolCases = 10_000;

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
            NativeKernels.Unrolled.FullyConnected(ref quant, inputs, units, input, op.Weights, op.Bias, layer.Multipliers, layer.Shifts, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: unrolled FullyConnected {inputs}->{units} differs at byte {FirstDifference(expected, actual)}");
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
            NativeKernels.Unrolled.Conv2D(ref quant, ref inShape, ref outShape, ref window, input, op.Weights, op.Bias, layer.Multipliers, layer.Shifts, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: unrolled Conv2D {Describe(inH, inW, inC, win)} -> {outC} differs at byte {FirstDifference(expected, actual)}");
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
            NativeKernels.Unrolled.DepthwiseConv2D(ref quant, ref inShape, ref outShape, ref window, m, input, op.Weights, op.Bias, layer.Multipliers, layer.Shifts, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: unrolled DepthwiseConv2D {Describe(inH, inW, inC, win)} x{m} differs at byte {FirstDifference(expected, actual)}");
            coverage.Add(layer, expected, Padded(win, inH, inW));
        }

        Report("DepthwiseConv2D", coverage, clock);
    }

    [NativeKernelFact]
    public void Average_and_max_pooling_give_the_same_bytes_as_the_csharp_kernels()
    {
        var rng = new Random(4);
        foreach (bool average in new[] { true, false })
        {
            var tally = new Tally();
            var clock = Stopwatch.StartNew();
            for (int n = 0; n < PoolCases; n++)
            {
                int c = rng.Next(1, 9);
                (var win, int inH, int inW) = RandomWindow(rng);
                int zp = rng.Next(-128, 128);
                int activation = rng.Next(3);
                float scale = (float)Math.Pow(2, -rng.NextDouble() * 8);
                Operator op = average ? new AveragePool2D { Window = win } : new MaxPool2D { Window = win };
                op.InH = inH;
                op.InW = inW;
                op.InC = c;
                op.OutH = win.OutputHeight(inH);
                op.OutW = win.OutputWidth(inW);
                op.OutC = c;
                op.InScale = op.OutScale = scale;
                op.InZeroPoint = op.OutZeroPoint = zp;
                op.FusedActivation = activation;
                sbyte[] input = Input(rng, inH * inW * c);
                sbyte[] expected = Run(op, input);

                NativeKernels.ActivationRange(activation, scale, zp, out int actMin, out int actMax);
                var quant = new NativeKernels.Quant { InputZeroPoint = zp, OutputZeroPoint = zp, ActMin = actMin, ActMax = actMax };
                var inShape = new NativeKernels.Shape { H = inH, W = inW, C = c };
                var outShape = new NativeKernels.Shape { H = op.OutH, W = op.OutW, C = c };
                var window = Native(win);
                var actual = new sbyte[expected.Length];
                if (average)
                {
                    NativeKernels.AveragePool2D(ref quant, ref inShape, ref outShape, ref window, input, actual);
                }
                else
                {
                    NativeKernels.MaxPool2D(ref quant, ref inShape, ref outShape, ref window, input, actual);
                }

                Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: {op.Name} {Describe(inH, inW, c, win)} differs at byte {FirstDifference(expected, actual)}");
                if (average)
                {
                    NativeKernels.Unrolled.AveragePool2D(ref quant, ref inShape, ref outShape, ref window, input, actual);
                }
                else
                {
                    NativeKernels.Unrolled.MaxPool2D(ref quant, ref inShape, ref outShape, ref window, input, actual);
                }

                Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: unrolled {op.Name} {Describe(inH, inW, c, win)} differs at byte {FirstDifference(expected, actual)}");
                tally.Add(expected, actMin, actMax, activation, Padded(win, inH, inW));
            }

            tally.Report(output, average ? "AveragePool2D" : "MaxPool2D", PoolCases, "padded", clock);
        }
    }

    [NativeKernelFact]
    public void Additions_give_the_same_bytes_as_the_csharp_kernel()
    {
        var tally = new Tally();
        var rng = new Random(8);
        var clock = Stopwatch.StartNew();
        int[] broadcasts = new int[3];
        for (int n = 0; n < Cases; n++)
        {
            int h = rng.Next(1, 9);
            int w = rng.Next(1, 9);
            int c = rng.Next(1, 9);
            int broadcast = rng.Next(3); // 0 equal shapes, 1 per channel (1x1xC), 2 a scalar
            var big = new TensorSpec(h, w, c, (float)Math.Pow(2, -rng.NextDouble() * 10), rng.Next(-128, 128));
            var small = broadcast == 0 ? new TensorSpec(h, w, c, 0, 0) : broadcast == 1 ? new TensorSpec(1, 1, c, 0, 0) : new TensorSpec(1, 1, 1, 0, 0);
            small.Scale = (float)Math.Pow(2, -rng.NextDouble() * 10);
            small.ZeroPoint = rng.Next(-128, 128);
            bool swap = rng.Next(2) == 0;
            float outScale = Math.Max(big.Scale, small.Scale) * (float)Math.Pow(2, rng.Next(10) == 0 ? (rng.NextDouble() * 20) - 10 : rng.NextDouble() * 2.5);
            var op = new Add
            {
                Inputs = swap ? [small, big] : [big, small], InH = h, InW = w, InC = c, OutH = h, OutW = w, OutC = c,
                OutScale = outScale, OutZeroPoint = rng.Next(-128, 128), FusedActivation = rng.Next(3),
            };
            sbyte[] bigInput = Input(rng, big.Elements);
            sbyte[] smallInput = Input(rng, small.Elements);
            sbyte[] expected = RunInputs(op, swap ? smallInput : bigInput, swap ? bigInput : smallInput);

            // The C library prepares its own constants and tables, in the inputs' order, as the model stores them.
            var first = op.Inputs[0];
            var second = op.Inputs[1];
            Assert.Equal(0, NativeKernels.PrepareAdd(first.Scale, second.Scale, outScale, out int m1, out int s1, out int m2, out int s2, out int outM, out int outS));
            QuantMath.PrepareAdd(first.Scale, second.Scale, outScale, out _, out _, out _, out _, out int expectedM, out int expectedS);
            Assert.Equal((expectedM, expectedS), (outM, outS));
            var terms1 = new int[256];
            var terms2 = new int[256];
            NativeKernels.AddPrepareTerms(first.ZeroPoint, m1, s1, terms1);
            NativeKernels.AddPrepareTerms(second.ZeroPoint, m2, s2, terms2);
            NativeKernels.ActivationRange(op.FusedActivation, outScale, op.OutZeroPoint, out int actMin, out int actMax);
            var quant = new NativeKernels.Quant { OutputZeroPoint = op.OutZeroPoint, ActMin = actMin, ActMax = actMax };
            var actual = new sbyte[expected.Length];
            NativeKernels.Add(ref quant, expected.Length, small.Elements, bigInput, smallInput, swap ? terms2 : terms1, swap ? terms1 : terms2, outM, outS, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Add {h}x{w}x{c} + {small.H}x{small.W}x{small.C} differs at byte {FirstDifference(expected, actual)}");
            NativeKernels.Unrolled.Add(ref quant, expected.Length, small.Elements, bigInput, smallInput, swap ? terms2 : terms1, swap ? terms1 : terms2, outM, outS, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: unrolled Add {h}x{w}x{c} + {small.H}x{small.W}x{small.C} differs at byte {FirstDifference(expected, actual)}");
            tally.Add(expected, actMin, actMax, op.FusedActivation, swap);
            broadcasts[broadcast]++;
        }

        tally.Report(output, "Add", Cases, "with the smaller input first", clock);
        Assert.True(broadcasts.All(b => b > Cases / 5), $"Add: broadcasts {string.Join(",", broadcasts)}");
    }

    [NativeKernelFact]
    public void Softmax_gives_the_same_bytes_as_the_csharp_kernel()
    {
        var rng = new Random(7);
        var clock = Stopwatch.StartNew();
        var table = typeof(Softmax).GetField("_expTable", BindingFlags.NonPublic | BindingFlags.Instance)!;
        long bytes = 0;
        long inside = 0;
        int wide = 0;
        for (int n = 0; n < Cases; n++)
        {
            int positions = rng.Next(1, 6);
            int c = rng.Next(50) == 0 ? rng.Next(100, 2049) : rng.Next(1, 40);
            var op = new Softmax
            {
                InH = 1, InW = positions, InC = c, OutH = 1, OutW = positions, OutC = c,
                InScale = (float)Math.Pow(2, rng.Next(10) == 0 ? (rng.NextDouble() * 6) - 5 : (rng.NextDouble() * 6) - 10), InZeroPoint = rng.Next(-128, 128),
                OutScale = Softmax.OutputScale, OutZeroPoint = Softmax.OutputZeroPoint,
            };
            sbyte[] input = Input(rng, positions * c);
            sbyte[] expected = Run(op, input);

            // The exp table is the C# kernel's own, built at load (see tml_softmax).
            var actual = new sbyte[expected.Length];
            NativeKernels.Softmax(positions, c, (int[])table.GetValue(op)!, input, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Softmax {positions}x{c} scale {op.InScale} differs at byte {FirstDifference(expected, actual)}");
            bytes += expected.Length;
            inside += expected.Count(v => v > -128 && v < 127);
            wide += c > 100 ? 1 : 0;
        }

        output.WriteLine($"Softmax: {Cases} layers, {bytes} output bytes, {inside} strictly between -128 and 127, {wide} with more than 100 classes, {clock.ElapsedMilliseconds} ms");
        Assert.True(inside > bytes * 4 / 10, $"Softmax: only {inside} of {bytes} outputs strictly between -128 and 127");
        Assert.True(wide > Cases / 100, $"Softmax: {wide} layers with more than 100 classes");
    }

    [NativeKernelFact]
    public void Means_give_the_same_bytes_as_the_csharp_kernel()
    {
        var tally = new Tally();
        var rng = new Random(13);
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Cases; n++)
        {
            int h = rng.Next(1, 13);
            int w = rng.Next(1, 13);
            int c = rng.Next(1, 17);
            float inScale = (float)Math.Pow(2, -rng.NextDouble() * 10);
            var op = new Mean
            {
                InH = h, InW = w, InC = c, OutH = 1, OutW = 1, OutC = c,
                InScale = inScale, InZeroPoint = rng.Next(-128, 128),
                OutScale = inScale * (float)Math.Pow(2, rng.Next(10) == 0 ? (rng.NextDouble() * 16) - 8 : (rng.NextDouble() * 1.5) + 0.5),
                OutZeroPoint = rng.Next(-128, 128), FusedActivation = rng.Next(3),
            };

            // Each channel clusters around its own level, so the means spread over the int8 range.
            var centres = Enumerable.Range(0, c).Select(_ => rng.Next(-128, 128)).ToArray();
            var spreads = Enumerable.Range(0, c).Select(_ => rng.Next(1, 64)).ToArray();
            var input = new sbyte[h * w * c];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = (sbyte)Math.Clamp(centres[i % c] + rng.Next(-spreads[i % c], spreads[i % c] + 1), -128, 127);
            }

            sbyte[] expected = Run(op, input);

            Assert.Equal(0, NativeKernels.PrepareMean(op.InScale, op.OutScale, h * w, out int m, out int s));
            QuantMath.PrepareMean(op.InScale, op.OutScale, h * w, out int expectedM, out int expectedS);
            Assert.Equal((expectedM, expectedS), (m, s));
            NativeKernels.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out int actMin, out int actMax);
            var quant = new NativeKernels.Quant { InputZeroPoint = op.InZeroPoint, OutputZeroPoint = op.OutZeroPoint, ActMin = actMin, ActMax = actMax };
            var shape = new NativeKernels.Shape { H = h, W = w, C = c };
            var actual = new sbyte[c];
            NativeKernels.Mean(ref quant, ref shape, m, s, input, new int[c], actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Mean {h}x{w}x{c} differs at byte {FirstDifference(expected, actual)}");
            tally.Add(expected, actMin, actMax, op.FusedActivation, h * w > 1);
        }

        tally.Report(output, "Mean", Cases, "over more than one position", clock);
    }

    [NativeKernelFact]
    public void Multiplications_give_the_same_bytes_as_the_csharp_kernel()
    {
        var tally = new Tally();
        var rng = new Random(9);
        var clock = Stopwatch.StartNew();
        int[] broadcasts = new int[3];
        for (int n = 0; n < Cases; n++)
        {
            int h = rng.Next(1, 9);
            int w = rng.Next(1, 9);
            int c = rng.Next(1, 9);
            int broadcast = rng.Next(3); // 0 equal shapes, 1 per channel (1x1xC), 2 a scalar
            var big = new TensorSpec(h, w, c, (float)Math.Pow(2, -rng.NextDouble() * 10), rng.Next(-128, 128));
            var small = broadcast == 0 ? new TensorSpec(h, w, c, 0, 0) : broadcast == 1 ? new TensorSpec(1, 1, c, 0, 0) : new TensorSpec(1, 1, 1, 0, 0);
            small.Scale = (float)Math.Pow(2, -rng.NextDouble() * 10);
            small.ZeroPoint = rng.Next(-128, 128);
            bool swap = rng.Next(2) == 0;

            // A typical product |x1 - zp1| |x2 - zp2| ~ 2^13 lands near 2^U(3.5, 6) output steps; a tenth of the layers far off.
            float outScale = big.Scale * small.Scale * (float)Math.Pow(2, rng.Next(10) == 0 ? (rng.NextDouble() * 24) - 2 : (rng.NextDouble() * 2.5) + 7);
            var op = new Mul
            {
                Inputs = swap ? [small, big] : [big, small], InH = h, InW = w, InC = c, OutH = h, OutW = w, OutC = c,
                OutScale = outScale, OutZeroPoint = rng.Next(-128, 128), FusedActivation = rng.Next(3),
            };
            sbyte[] bigInput = Input(rng, big.Elements);
            sbyte[] smallInput = Input(rng, small.Elements);
            sbyte[] expected = RunInputs(op, swap ? smallInput : bigInput, swap ? bigInput : smallInput);

            Assert.Equal(0, NativeKernels.PrepareMul(op.Inputs[0].Scale, op.Inputs[1].Scale, outScale, out int m, out int s));
            QuantMath.PrepareMul(op.Inputs[0].Scale, op.Inputs[1].Scale, outScale, out int expectedM, out int expectedS);
            Assert.Equal((expectedM, expectedS), (m, s));
            NativeKernels.ActivationRange(op.FusedActivation, outScale, op.OutZeroPoint, out int actMin, out int actMax);
            var quant = new NativeKernels.Quant { OutputZeroPoint = op.OutZeroPoint, ActMin = actMin, ActMax = actMax };
            var actual = new sbyte[expected.Length];
            NativeKernels.Mul(ref quant, expected.Length, small.Elements, bigInput, smallInput, big.ZeroPoint, small.ZeroPoint, m, s, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Mul {h}x{w}x{c} * {small.H}x{small.W}x{small.C} differs at byte {FirstDifference(expected, actual)}");
            NativeKernels.Unrolled.Mul(ref quant, expected.Length, small.Elements, bigInput, smallInput, big.ZeroPoint, small.ZeroPoint, m, s, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: unrolled Mul {h}x{w}x{c} * {small.H}x{small.W}x{small.C} differs at byte {FirstDifference(expected, actual)}");
            tally.Add(expected, actMin, actMax, op.FusedActivation, swap);
            broadcasts[broadcast]++;
        }

        tally.Report(output, "Mul", Cases, "with the smaller input first", clock);
        Assert.True(broadcasts.All(b => b > Cases / 5), $"Mul: broadcasts {string.Join(",", broadcasts)}");
    }

    [NativeKernelFact]
    public void Concatenations_give_the_same_bytes_as_the_csharp_kernel()
    {
        var rng = new Random(10);
        var clock = Stopwatch.StartNew();
        int[] axes = new int[3];
        long copied = 0;
        long requantized = 0;
        long requantizedInside = 0;
        for (int n = 0; n < Cases; n++)
        {
            int axis = rng.Next(3);
            int count = rng.Next(2, 6);
            int h = rng.Next(1, 7);
            int w = rng.Next(1, 7);
            int c = rng.Next(1, 7);
            float outScale = (float)Math.Pow(2, -rng.NextDouble() * 10);
            int outZp = rng.Next(-128, 128);
            var inputs = new TensorSpec[count];
            var data = new sbyte[count][];
            for (int k = 0; k < count; k++)
            {
                int e = rng.Next(1, 6);
                bool same = rng.Next(3) == 0;
                inputs[k] = new TensorSpec(axis == 0 ? e : h, axis == 1 ? e : w, axis == 2 ? e : c, same ? outScale : outScale * (float)Math.Pow(2, (rng.NextDouble() * 3) - 2), same ? outZp : rng.Next(-128, 128));
                data[k] = Input(rng, inputs[k].Elements);
            }

            int extent = inputs.Sum(t => axis == 0 ? t.H : axis == 1 ? t.W : t.C);
            var op = new Concat
            {
                Axis = axis, Inputs = inputs, InH = inputs[0].H, InW = inputs[0].W, InC = inputs[0].C,
                OutH = axis == 0 ? extent : h, OutW = axis == 1 ? extent : w, OutC = axis == 2 ? extent : c, OutScale = outScale, OutZeroPoint = outZp,
            };
            sbyte[] expected = RunInputs(op, data);

            var tables = new sbyte[count][];
            for (int k = 0; k < count; k++)
            {
                if (inputs[k].Scale != outScale || inputs[k].ZeroPoint != outZp)
                {
                    tables[k] = new sbyte[256];
                    Assert.Equal(0, NativeKernels.PrepareRequantizeTable(inputs[k].Scale, inputs[k].ZeroPoint, outScale, outZp, tables[k]));
                }
            }

            var handles = data.Concat(tables.Where(t => t != null)).Select(a => GCHandle.Alloc(a, GCHandleType.Pinned)).ToArray();
            try
            {
                var pointers = handles.Select(hd => hd.AddrOfPinnedObject()).ToArray();
                int next = count;
                var tablePointers = tables.Select(t => t == null ? IntPtr.Zero : pointers[next++]).ToArray();
                var shapes = inputs.Select(t => new NativeKernels.Shape { H = t.H, W = t.W, C = t.C }).ToArray();
                var outShape = new NativeKernels.Shape { H = op.OutH, W = op.OutW, C = op.OutC };
                var actual = new sbyte[expected.Length];
                NativeKernels.Concat(axis, count, shapes, pointers[..count], tablePointers, ref outShape, actual);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Concat of {count} on axis {axis} differs at byte {FirstDifference(expected, actual)}");
            }
            finally
            {
                foreach (var hd in handles)
                {
                    hd.Free();
                }
            }

            axes[axis]++;
            for (int k = 0; k < count; k++)
            {
                if (tables[k] == null)
                {
                    copied += data[k].Length;
                }
                else
                {
                    requantized += data[k].Length;
                    requantizedInside += data[k].Count(v => tables[k][v + 128] > -128 && tables[k][v + 128] < 127);
                }
            }
        }

        output.WriteLine($"Concat: {Cases} layers, {copied} bytes copied, {requantized} requantized ({requantizedInside} inside -128..127), axes {string.Join(",", axes)}, {clock.ElapsedMilliseconds} ms");
        Assert.True(axes.All(a => a > Cases / 5), $"Concat: axes {string.Join(",", axes)}");
        Assert.True(copied > (copied + requantized) / 5 && requantizedInside > requantized / 2, $"Concat: {copied} copied, {requantized} requantized, {requantizedInside} inside");
    }

    [NativeKernelFact]
    public void Paddings_and_lookups_give_the_same_bytes_as_the_csharp_kernels()
    {
        var rng = new Random(11);
        var clock = Stopwatch.StartNew();
        long padded = 0;
        long bytes = 0;
        for (int n = 0; n < Cases; n++)
        {
            int h = rng.Next(1, 9);
            int w = rng.Next(1, 9);
            int c = rng.Next(1, 6);
            int top = rng.Next(4);
            int bottom = rng.Next(4);
            int left = rng.Next(4);
            int right = rng.Next(4);
            var op = new Pad
            {
                PadTop = top, PadBottom = bottom, PadLeft = left, PadRight = right, InH = h, InW = w, InC = c,
                OutH = top + h + bottom, OutW = left + w + right, OutC = c, InScale = 0.1f, OutScale = 0.1f,
            };
            op.InZeroPoint = op.OutZeroPoint = rng.Next(-128, 128);
            sbyte[] input = Input(rng, h * w * c);
            sbyte[] expected = Run(op, input);
            var shape = new NativeKernels.Shape { H = h, W = w, C = c };
            var actual = new sbyte[expected.Length];
            NativeKernels.Pad(ref shape, top, bottom, left, right, op.InZeroPoint, input, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Pad {h}x{w}x{c} by {top},{bottom},{left},{right} differs at byte {FirstDifference(expected, actual)}");
            bytes += expected.Length;
            padded += expected.Length - input.Length;
        }

        var seen = new bool[256];
        long changed = 0;
        long looked = 0;
        for (int n = 0; n < Cases; n++)
        {
            // The model's table sits anywhere in the file buffer.
            int offset = rng.Next(8);
            var file = Weights(rng, offset + Lookup.TableSize);
            var op = new Lookup { Table = file, TableOffset = offset, InH = 1, InW = rng.Next(1, 40), InC = rng.Next(1, 5) };
            op.OutH = 1;
            op.OutW = op.InW;
            op.OutC = op.InC;
            sbyte[] input = Input(rng, op.InputElements);
            sbyte[] expected = Run(op, input);
            var actual = new sbyte[expected.Length];
            NativeKernels.Lookup(input.Length, (sbyte[])(Array)file[offset..], input, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {n}: Lookup of {input.Length} differs at byte {FirstDifference(expected, actual)}");
            foreach (sbyte v in expected)
            {
                seen[v + 128] = true;
            }

            changed += expected.Zip(input).Count(p => p.First != p.Second);
            looked += expected.Length;
        }

        output.WriteLine($"Pad: {Cases} layers, {bytes} output bytes, {padded} of them padding; Lookup: {Cases} tables, {changed} of {looked} outputs differ from their input, {clock.ElapsedMilliseconds} ms");
        Assert.True(padded > bytes / 5 && padded < bytes * 4 / 5, $"Pad: {padded} of {bytes} bytes are padding");
        Assert.True(seen.All(s => s), "Lookup: not every output value occurred");
        Assert.True(changed > looked * 9 / 10, $"Lookup: only {changed} of {looked} outputs differ from their input");
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

    /// <summary>Runs an operator with several inputs, laid out one after the other in the arena.</summary>
    private static sbyte[] RunInputs(Operator op, params sbyte[][] inputs)
    {
        op.Prepare();
        int total = inputs.Sum(i => i.Length);
        var arena = new sbyte[total + op.OutputElements];
        op.InputOffsets = new int[inputs.Length];
        for (int k = 0, at = 0; k < inputs.Length; at += inputs[k].Length, k++)
        {
            inputs[k].CopyTo(arena, at);
            op.InputOffsets[k] = at;
        }

        op.OutputOffset = total;
        op.Eval(arena);
        return arena.AsSpan(total).ToArray();
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

    /// <summary>Coverage of the kernels without per-channel layers: outputs inside the activation range, activations, one kernel-specific kind of case.</summary>
    private sealed class Tally
    {
        public long Bytes;
        public long Inside;
        public int Special;
        public int[] Activations = new int[3];

        public void Add(sbyte[] output, int actMin, int actMax, int activation, bool special)
        {
            Bytes += output.Length;
            Inside += output.Count(v => v > actMin && v < actMax);
            Special += special ? 1 : 0;
            Activations[activation]++;
        }

        public void Report(ITestOutputHelper log, string kernel, int cases, string special, Stopwatch clock)
        {
            log.WriteLine($"{kernel}: {cases} layers, {Bytes} output bytes, {Inside} inside the activation range, {Special} {special}, {clock.ElapsedMilliseconds} ms");
            Assert.True(Inside > Bytes * 4 / 10, $"{kernel}: only {Inside} of {Bytes} outputs inside the activation range");
            Assert.True(Activations.All(a => a > cases / 5), $"{kernel}: activations {string.Join(",", Activations)}");
            Assert.True(Special > cases / 4, $"{kernel}: {Special} {special}");
        }
    }
}
