using System.Runtime.Intrinsics;
using TinyMLOps.Modelling.Kernels;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Quantization;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// The SIMD kernels against the C# kernels (the reference) on thousands of random layers (dense, convolution, depthwise,
/// max pool): shapes, strides, paddings,
/// zero points, per-channel scales over the multiplier's whole range, every activation and biases near the int32
/// limits, so that sums wrap. The arena ends exactly at the last tensor, so a read or write past it would show.
/// </summary>
public sealed class SimdKernelBackendTests(ITestOutputHelper output)
{
    private static readonly SimdKernelBackend Backend = new();

    [Fact]
    public void Random_dense_layers_give_the_csharp_kernels_bytes()
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var random = new Random(19);
        for (int n = 0; n < 2000; n++)
        {
            int inputs = random.Next(1, n % 10 == 0 ? 600 : 80), units = random.Next(1, 70);
            var op = new FullyConnected { InH = 1, InW = 1, InC = inputs, OutH = 1, OutW = 1, OutC = units };
            Quantize(op, random);
            op.WeightScales = Scales(random, units);
            op.Bias = Biases(random, units);
            (op.Weights, op.WeightsOffset) = RandomWeights(random, inputs * units);
            AssertSameBytes(op, random, $"dense {inputs} → {units}");
        }

        output.WriteLine("2,000 dense layers identical");
    }

    [Fact]
    public void Random_convolutions_give_the_csharp_kernels_bytes()
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var random = new Random(20);
        for (int n = 0; n < 3000; n++)
        {
            // One in five pointwise (1x1, stride 1, no padding), the SIMD kernel's own path.
            Window window = n % 5 == 0 ? new Window(1, 1, 1, 1, 0, 0, 0, 0) : RandomWindow(random);
            int inH = random.Next(1, 13), inW = random.Next(1, 13), inC = random.Next(1, n % 4 == 0 ? 40 : 9), outC = random.Next(1, 40);
            if (window.OutputHeight(inH) < 1 || window.OutputWidth(inW) < 1)
            {
                continue;
            }

            var op = new Conv2D { Window = window, InH = inH, InW = inW, InC = inC, OutH = window.OutputHeight(inH), OutW = window.OutputWidth(inW), OutC = outC };
            Quantize(op, random);
            op.WeightScales = Scales(random, outC);
            op.Bias = Biases(random, outC);
            (op.Weights, op.WeightsOffset) = RandomWeights(random, outC * window.KernelH * window.KernelW * inC);
            AssertSameBytes(op, random, $"conv {inH}x{inW}x{inC} → {outC}, kernel {window.KernelH}x{window.KernelW}, stride {window.StrideH},{window.StrideW}, pad {window.PadTop},{window.PadLeft},{window.PadBottom},{window.PadRight}");
        }

        output.WriteLine("3,000 convolutions tried, all identical");
    }

    [Fact]
    public void Random_depthwise_convolutions_give_the_csharp_kernels_bytes()
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var random = new Random(21);
        for (int n = 0; n < 3000; n++)
        {
            Window window = RandomWindow(random);
            int inH = random.Next(1, 15), inW = random.Next(1, 15), channels = random.Next(1, n % 3 == 0 ? 70 : 20);
            if (window.OutputHeight(inH) < 1 || window.OutputWidth(inW) < 1)
            {
                continue;
            }

            var op = new DepthwiseConv2D { Window = window, DepthMultiplier = 1, InH = inH, InW = inW, InC = channels, OutH = window.OutputHeight(inH), OutW = window.OutputWidth(inW), OutC = channels };
            Quantize(op, random);
            op.WeightScales = Scales(random, channels);
            op.Bias = Biases(random, channels);
            (op.Weights, op.WeightsOffset) = RandomWeights(random, window.KernelH * window.KernelW * channels);
            AssertSameBytes(op, random, $"depthwise {inH}x{inW}x{channels}, kernel {window.KernelH}x{window.KernelW}, stride {window.StrideH},{window.StrideW}");
        }

        output.WriteLine("3,000 depthwise convolutions tried, all identical");
    }

    [Fact]
    public void Random_max_pools_give_the_csharp_kernels_bytes()
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var random = new Random(24);
        for (int n = 0; n < 2000; n++)
        {
            Window window = RandomWindow(random);
            int inH = random.Next(1, 15), inW = random.Next(1, 15), channels = random.Next(1, n % 3 == 0 ? 70 : 20);
            if (window.OutputHeight(inH) < 1 || window.OutputWidth(inW) < 1)
            {
                continue;
            }

            var op = new MaxPool2D { Window = window, InH = inH, InW = inW, InC = channels, OutH = window.OutputHeight(inH), OutW = window.OutputWidth(inW), OutC = channels };
            Quantize(op, random);
            op.OutScale = op.InScale;
            op.OutZeroPoint = op.InZeroPoint;
            AssertSameBytes(op, random, $"max pool {inH}x{inW}x{channels}, kernel {window.KernelH}x{window.KernelW}, stride {window.StrideH},{window.StrideW}");
        }

        output.WriteLine("2,000 max pools tried, all identical");
    }

    [Fact]
    public void A_depth_multiplier_above_one_is_declined_and_runs_on_the_csharp_kernel()
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var random = new Random(22);
        var window = new Window(3, 3, 1, 1, 1, 1, 1, 1);
        var op = new DepthwiseConv2D { Window = window, DepthMultiplier = 2, InH = 5, InW = 5, InC = 4, OutH = 5, OutW = 5, OutC = 8 };
        Quantize(op, random);
        op.WeightScales = Scales(random, 8);
        op.Bias = Biases(random, 8);
        (op.Weights, op.WeightsOffset) = RandomWeights(random, 9 * 8);
        op.Prepare();
        op.InputOffset = 0;
        op.OutputOffset = op.InputElements;
        op.Describe();
        Assert.False(op.Offload(Backend, new sbyte[op.InputElements + op.OutputElements]));
    }

    [Fact]
    public void The_vector_requantizer_gives_the_scalar_functions_values_over_the_whole_range()
    {
        if (!SimdKernelBackend.IsSupported)
        {
            return; // no AVX2: the host runs the C# kernels only
        }

        var random = new Random(23);
        int[] edges = [0, 1, -1, int.MaxValue, int.MinValue, int.MaxValue - 1, int.MinValue + 1, 1 << 30, -(1 << 30)];
        for (int n = 0; n < 20_000; n++)
        {
            const int channels = 16;
            int[] multipliers = [.. Enumerable.Range(0, channels).Select(_ => random.Next(4) == 0 ? random.Next(2) * int.MaxValue : random.Next(1 << 30, int.MaxValue))];
            int[] shifts = [.. Enumerable.Range(0, channels).Select(_ => random.Next(-40, 31))];
            int[] bias = [.. Enumerable.Range(0, channels).Select(_ => random.Next(3) == 0 ? edges[random.Next(edges.Length)] : random.Next(int.MinValue, int.MaxValue))];
            int[] sums = [.. Enumerable.Range(0, channels).Select(_ => random.Next(3) == 0 ? edges[random.Next(edges.Length)] : random.Next(int.MinValue, int.MaxValue) >> random.Next(31))];
            int zp = random.Next(-128, 128);
            int actMin = random.Next(-128, 128), actMax = random.Next(actMin, 128);
            var requantizer = new Requantizer(bias, multipliers, shifts, channels);
            var ours = new sbyte[channels];
            requantizer.Store8(Vector256.Create(sums[..8]), 0, 8, ours, 0, zp, actMin, actMax);
            requantizer.Store8(Vector256.Create(sums[8..]), 8, 8, ours, 8, zp, actMin, actMax);
            for (int c = 0; c < channels; c++)
            {
                int q = QuantMath.MultiplyByQuantizedMultiplier(unchecked(sums[c] + bias[c]), multipliers[c], shifts[c]) + zp;
                Assert.Equal((sbyte)Math.Clamp(q, actMin, actMax), ours[c]);
            }
        }
    }

    /// <summary>Runs the layer on the C# kernel and on the backend, each on its own copy of one random arena.</summary>
    private static void AssertSameBytes(Operator op, Random random, string what)
    {
        op.Prepare();

        // The output before or after the input (with a gap or none), the arena ending at the later tensor.
        int gap = random.Next(3) == 0 ? random.Next(1, 40) : 0;
        if (random.Next(2) == 0)
        {
            op.InputOffset = 0;
            op.OutputOffset = op.InputElements + gap;
        }
        else
        {
            op.OutputOffset = 0;
            op.InputOffset = op.OutputElements + gap;
        }

        var arena = new sbyte[Math.Max(op.InputOffset + op.InputElements, op.OutputOffset + op.OutputElements)];
        random.NextBytes((Span<byte>)(byte[])(Array)arena);
        var reference = (sbyte[])arena.Clone();
        op.Eval(reference);
        op.Describe();
        Assert.True(op.Offload(Backend, arena), what + ": declined");
        if (!arena.AsSpan().SequenceEqual(reference))
        {
            int first = Enumerable.Range(0, arena.Length).First(i => arena[i] != reference[i]);
            Assert.Fail($"{what}: byte {first} is {arena[first]}, the C# kernel gives {reference[first]}");
        }
    }

    private static void Quantize(Operator op, Random random)
    {
        op.InScale = (float)Math.Pow(2, random.NextDouble() * 8 - 8);
        op.OutScale = (float)Math.Pow(2, random.NextDouble() * 8 - 6);
        op.InZeroPoint = random.Next(4) == 0 ? -128 : random.Next(-128, 128);
        op.OutZeroPoint = random.Next(-128, 128);
        op.FusedActivation = random.Next(3);
    }

    /// <summary>Per-channel scales from tiny (multiplier 0 after rounding) to large, so shifts cover their range.</summary>
    private static float[] Scales(Random random, int channels) =>
        [.. Enumerable.Range(0, channels).Select(_ => (float)Math.Pow(2, random.NextDouble() * 36 - 30))];

    /// <summary>Biases mostly small, some near the int32 limits so that sums wrap.</summary>
    private static int[] Biases(Random random, int channels) =>
        [.. Enumerable.Range(0, channels).Select(_ => random.Next(5) switch
        {
            0 => int.MaxValue - random.Next(100_000),
            1 => int.MinValue + random.Next(100_000),
            _ => random.Next(-50_000, 50_000),
        })];

    /// <summary>Weights at a random offset in a larger buffer, with -128 and 127 frequent.</summary>
    private static (byte[] Buffer, int Offset) RandomWeights(Random random, int count)
    {
        int offset = random.Next(0, 32);
        var buffer = new byte[offset + count + random.Next(0, 8)];
        random.NextBytes(buffer);
        for (int i = 0; i < buffer.Length; i += random.Next(1, 20))
        {
            buffer[i] = random.Next(2) == 0 ? (byte)0x80 : (byte)0x7F;
        }

        return (buffer, offset);
    }

    private static Window RandomWindow(Random random)
    {
        int kh = random.Next(1, 6), kw = random.Next(1, 6);
        return new Window(kh, kw, random.Next(1, 4), random.Next(1, 4), random.Next(kh), random.Next(kw), random.Next(kh), random.Next(kw));
    }
}
