using System;
using nanoFramework.TestFramework;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Conformance.Runtime
{
    /// <summary>
    /// Each kernel's definition written out plainly, in 64-bit integers and doubles: accumulators must be identical,
    /// requantized outputs within one step of the real-valued result, pooling exact.
    /// </summary>
    internal static class NaiveKernels
    {
        public static void Check(Operator op, sbyte[] x, sbyte[] y)
        {
            if (op is FullyConnected)
            {
                FullyConnected fc = (FullyConnected)op;
                for (int o = 0; o < fc.OutC; o++)
                {
                    long acc = fc.Bias[o];
                    for (int i = 0; i < fc.InC; i++)
                    {
                        acc += (long)(x[i] - fc.InZeroPoint) * (sbyte)fc.Weights[fc.WeightsOffset + (o * fc.InC) + i];
                    }

                    Requantized(fc, acc, fc.WeightScales[o], fc.AccumulatorProbe[o], y[o]);
                }
            }
            else if (op is Conv2D)
            {
                Conv2D conv = (Conv2D)op;
                Window w = conv.Window;
                int index = 0;
                for (int oy = 0; oy < conv.OutH; oy++)
                {
                    for (int ox = 0; ox < conv.OutW; ox++)
                    {
                        for (int oc = 0; oc < conv.OutC; oc++)
                        {
                            long acc = conv.Bias[oc];
                            for (int ky = 0; ky < w.KernelH; ky++)
                            {
                                for (int kx = 0; kx < w.KernelW; kx++)
                                {
                                    for (int ic = 0; ic < conv.InC; ic++)
                                    {
                                        int v = At(conv, x, (oy * w.StrideH) - w.PadTop + ky, (ox * w.StrideW) - w.PadLeft + kx, ic);
                                        acc += (long)(v - conv.InZeroPoint) * (sbyte)conv.Weights[conv.WeightsOffset + (((((oc * w.KernelH) + ky) * w.KernelW) + kx) * conv.InC) + ic];
                                    }
                                }
                            }

                            Requantized(conv, acc, conv.WeightScales[oc], conv.AccumulatorProbe[index], y[index]);
                            index++;
                        }
                    }
                }
            }
            else if (op is DepthwiseConv2D)
            {
                DepthwiseConv2D dw = (DepthwiseConv2D)op;
                Window w = dw.Window;
                int index = 0;
                for (int oy = 0; oy < dw.OutH; oy++)
                {
                    for (int ox = 0; ox < dw.OutW; ox++)
                    {
                        for (int oc = 0; oc < dw.OutC; oc++)
                        {
                            long acc = dw.Bias[oc];
                            for (int ky = 0; ky < w.KernelH; ky++)
                            {
                                for (int kx = 0; kx < w.KernelW; kx++)
                                {
                                    int v = At(dw, x, (oy * w.StrideH) - w.PadTop + ky, (ox * w.StrideW) - w.PadLeft + kx, oc / dw.DepthMultiplier);
                                    acc += (long)(v - dw.InZeroPoint) * (sbyte)dw.Weights[dw.WeightsOffset + ((((ky * w.KernelW) + kx) * dw.OutC) + oc)];
                                }
                            }

                            Requantized(dw, acc, dw.WeightScales[oc], dw.AccumulatorProbe[index], y[index]);
                            index++;
                        }
                    }
                }
            }
            else if (op is MaxPool2D || op is AveragePool2D)
            {
                Pooled(op, op is MaxPool2D ? ((MaxPool2D)op).Window : ((AveragePool2D)op).Window, op is MaxPool2D, x, y);
            }
            else if (op is Reshape)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.AreEqual(x[i], y[i], "reshape copies");
                }
            }
            else if (op is Softmax)
            {
                int max = -128;
                for (int i = 0; i < x.Length; i++)
                {
                    max = Math.Max(max, x[i]);
                }

                double sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    sum += Math.Exp((x[i] - max) * op.InScale);
                }

                for (int i = 0; i < x.Length; i++)
                {
                    double expected = Math.Min(127, (Math.Exp((x[i] - max) * op.InScale) / sum * 256) - 128);
                    Near(y[i], expected, "softmax output " + i);
                }
            }
            else
            {
                throw new InvalidOperationException("no reference for " + op.Name);
            }
        }

        private static void Requantized(Operator op, long acc, float weightScale, int probed, sbyte got)
        {
            Assert.AreEqual(acc, (long)probed, op.Name + " accumulator");
            double real = acc * ((double)op.InScale * weightScale / op.OutScale);
            int min;
            int max;
            QuantMath.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out min, out max);
            double expected = Math.Max(min, Math.Min(max, real + op.OutZeroPoint));
            Near(got, expected, op.Name + " output");
            Assert.IsTrue(got >= min && got <= max, op.Name + " output inside the activation range");
        }

        private static void Pooled(Operator op, Window w, bool isMax, sbyte[] x, sbyte[] y)
        {
            int index = 0;
            for (int oy = 0; oy < op.OutH; oy++)
            {
                for (int ox = 0; ox < op.OutW; ox++)
                {
                    for (int c = 0; c < op.OutC; c++)
                    {
                        int best = -129;
                        int sum = 0;
                        int count = 0;
                        for (int ky = 0; ky < w.KernelH; ky++)
                        {
                            for (int kx = 0; kx < w.KernelW; kx++)
                            {
                                int iy = (oy * w.StrideH) - w.PadTop + ky;
                                int ix = (ox * w.StrideW) - w.PadLeft + kx;
                                if (iy >= 0 && iy < op.InH && ix >= 0 && ix < op.InW)
                                {
                                    int v = x[(((iy * op.InW) + ix) * op.InC) + c];
                                    best = Math.Max(best, v);
                                    sum += v;
                                    count++;
                                }
                            }
                        }

                        // Average pooling rounds half away from zero, as TFLite does.
                        int expected = isMax ? best : (sum >= 0 ? (sum + (count / 2)) / count : -((-sum + (count / 2)) / count));
                        Assert.AreEqual(expected, (int)y[index], op.Name + " output " + index);
                        index++;
                    }
                }
            }
        }

        private static void Near(int got, double expected, string what)
        {
            Assert.IsTrue(got >= expected - 1 && got <= expected + 1, what + ": " + got + " is more than one step from " + expected);
        }

        private static int At(Operator op, sbyte[] x, int y, int xx, int c)
        {
            return y < 0 || y >= op.InH || xx < 0 || xx >= op.InW ? op.InZeroPoint : x[(((y * op.InW) + xx) * op.InC) + c];
        }
    }
}
