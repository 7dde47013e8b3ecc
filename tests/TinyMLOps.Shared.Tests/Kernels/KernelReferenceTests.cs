using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// Each kernel against a naive reference written from the definitions in 64-bit integers and doubles:
/// accumulators must be identical, requantized outputs within one step (the fixed-point multiplier
/// against exact real arithmetic), pooling exact.
/// </summary>
public class KernelReferenceTests
{
    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_kernel_of_a_cnn_matches_its_naive_reference(int seed)
    {
        CheckAllLayers(RandomModels.Cnn(seed), seed);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_kernel_of_an_mlp_matches_its_naive_reference(int seed)
    {
        CheckAllLayers(RandomModels.Mlp(seed), seed);
    }

    [Fact]
    public void Padded_positions_add_nothing_to_a_convolution()
    {
        var rng = new Random(9);
        var model = RandomModels.Input(rng, 3, 3, 1);
        var conv = RandomModels.Conv(rng, 3, 3, 1, 1, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.None);
        conv.Bias[0] = 0;
        model.Operators = [conv];
        model.Prepare();
        var interpreter = new Interpreter(model);
        conv.AccumulatorProbe = new int[9];

        // All inputs at the zero point: every accumulator is exactly the (zero) bias, borders included.
        interpreter.SetInput(Enumerable.Repeat((sbyte)model.InputZeroPoint, 9).ToArray(), 0);
        interpreter.Invoke();
        Assert.All(conv.AccumulatorProbe, a => Assert.Equal(0, a));
    }

    private static void CheckAllLayers(Int8Model model, int seed)
    {
        var interpreter = new Interpreter(model);
        var rng = new Random(seed * 31);
        foreach (var op in model.Operators)
        {
            op.AccumulatorProbe = op.AccumulatorCount > 0 ? new int[op.AccumulatorCount] : null;
        }

        for (int sample = 0; sample < 20; sample++)
        {
            interpreter.SetInputFromBytes(RandomModels.RandomInput(rng, model.InputElements), 0);
            sbyte[] arena = interpreter.Arena;
            foreach (var op in model.Operators)
            {
                sbyte[] input = arena.AsSpan(op.InputOffset, op.InputElements).ToArray();
                op.Eval(arena);
                sbyte[] output = arena.AsSpan(op.OutputOffset, op.OutputElements).ToArray();
                CheckLayer(op, input, output);
            }
        }
    }

    private static void CheckLayer(Operator op, sbyte[] x, sbyte[] y)
    {
        switch (op)
        {
            case FullyConnected fc:
                for (int o = 0; o < fc.OutC; o++)
                {
                    long acc = fc.Bias[o];
                    for (int i = 0; i < fc.InC; i++)
                    {
                        acc += (long)(x[i] - fc.InZeroPoint) * (sbyte)fc.Weights[fc.WeightsOffset + (o * fc.InC) + i];
                    }

                    CheckRequantized(fc, acc, fc.WeightScales[o], fc.AccumulatorProbe![o], y[o]);
                }

                break;
            case Conv2D conv:
                ForEachOutput(conv, conv.Window, (oy, ox, oc, index) =>
                {
                    long acc = conv.Bias[oc];
                    Window w = conv.Window;
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            for (int ic = 0; ic < conv.InC; ic++)
                            {
                                int v = At(conv, x, (oy * w.StrideH) - w.PadTop + ky, (ox * w.StrideW) - w.PadLeft + kx, ic);
                                acc += (long)(v - conv.InZeroPoint) * (sbyte)conv.Weights[conv.WeightsOffset + ((((oc * w.KernelH) + ky) * w.KernelW + kx) * conv.InC) + ic];
                            }
                        }
                    }

                    CheckRequantized(conv, acc, conv.WeightScales[oc], conv.AccumulatorProbe![index], y[index]);
                });
                break;
            case DepthwiseConv2D dw:
                ForEachOutput(dw, dw.Window, (oy, ox, oc, index) =>
                {
                    long acc = dw.Bias[oc];
                    Window w = dw.Window;
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int v = At(dw, x, (oy * w.StrideH) - w.PadTop + ky, (ox * w.StrideW) - w.PadLeft + kx, oc / dw.DepthMultiplier);
                            acc += (long)(v - dw.InZeroPoint) * (sbyte)dw.Weights[dw.WeightsOffset + ((((ky * w.KernelW) + kx) * dw.OutC) + oc)];
                        }
                    }

                    CheckRequantized(dw, acc, dw.WeightScales[oc], dw.AccumulatorProbe![index], y[index]);
                });
                break;
            case MaxPool2D mp:
                ForEachOutput(mp, mp.Window, (oy, ox, c, index) =>
                {
                    var values = Window(mp, mp.Window, x, oy, ox, c);
                    Assert.Equal(values.Max(), y[index]);
                });
                break;
            case AveragePool2D ap:
                ForEachOutput(ap, ap.Window, (oy, ox, c, index) =>
                {
                    var values = Window(ap, ap.Window, x, oy, ox, c);
                    Assert.Equal((int)Math.Round(values.Average(), MidpointRounding.AwayFromZero), y[index]);
                });
                break;
            case Reshape:
                Assert.Equal(x, y);
                break;
            case Softmax sm:
                double max = x.Max(v => (double)v);
                double sum = x.Sum(v => Math.Exp((v - max) * sm.InScale));
                for (int i = 0; i < x.Length; i++)
                {
                    double expected = Math.Min(127, (Math.Exp((x[i] - max) * sm.InScale) / sum * 256) - 128);
                    Assert.InRange(y[i], expected - 1, expected + 1);
                }

                break;
            default:
                throw new InvalidOperationException(op.Name);
        }
    }

    private static void CheckRequantized(Operator op, long acc, float weightScale, int probed, sbyte got)
    {
        Assert.Equal(acc, probed);
        double real = acc * ((double)op.InScale * weightScale / op.OutScale);
        QuantMath.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out int min, out int max);
        double expected = Math.Clamp(real + op.OutZeroPoint, min, max);
        Assert.InRange(got, expected - 1, expected + 1);
        Assert.InRange((int)got, min, max);
    }

    private static void ForEachOutput(Operator op, Window w, Action<int, int, int, int> check)
    {
        int index = 0;
        for (int oy = 0; oy < op.OutH; oy++)
        {
            for (int ox = 0; ox < op.OutW; ox++)
            {
                for (int c = 0; c < op.OutC; c++)
                {
                    check(oy, ox, c, index++);
                }
            }
        }
    }

    private static int At(Operator op, sbyte[] x, int y, int xx, int c) =>
        y < 0 || y >= op.InH || xx < 0 || xx >= op.InW ? op.InZeroPoint : x[(((y * op.InW) + xx) * op.InC) + c];

    private static List<int> Window(Operator op, Window w, sbyte[] x, int oy, int ox, int c)
    {
        var values = new List<int>();
        for (int ky = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++)
            {
                int y = (oy * w.StrideH) - w.PadTop + ky, xx = (ox * w.StrideW) - w.PadLeft + kx;
                if (y >= 0 && y < op.InH && xx >= 0 && xx < op.InW)
                {
                    values.Add(x[(((y * op.InW) + xx) * op.InC) + c]);
                }
            }
        }

        return values;
    }
}
