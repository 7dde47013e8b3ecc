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
        public static void Check(Operator op, sbyte[][] inputs, sbyte[] y)
        {
            sbyte[] x = inputs[0];
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
            else if (op is Add || op is Mul)
            {
                // In doubles, the definition: s1 (x1 - zp1) + s2 (x2 - zp2), or s1 s2 (x1 - zp1)(x2 - zp2), over s_out.
                TensorSpec a = op.Inputs[0];
                TensorSpec b = op.Inputs[1];
                int min;
                int max;
                QuantMath.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out min, out max);
                int index = 0;
                for (int h = 0; h < op.OutH; h++)
                {
                    for (int w = 0; w < op.OutW; w++)
                    {
                        for (int c = 0; c < op.OutC; c++)
                        {
                            double ra = (Broadcast(a, inputs[0], h, w, c) - a.ZeroPoint) * (double)a.Scale;
                            double rb = (Broadcast(b, inputs[1], h, w, c) - b.ZeroPoint) * (double)b.Scale;
                            double real = op is Add ? ra + rb : ra * rb;
                            double expected = Math.Max(min, Math.Min(max, (real / op.OutScale) + op.OutZeroPoint));
                            Near(y[index], expected, op.Name + " output " + index);
                            Assert.IsTrue(y[index] >= min && y[index] <= max, op.Name + " output inside the activation range");
                            index++;
                        }
                    }
                }
            }
            else if (op is Concat)
            {
                Concat cat = (Concat)op;
                int index = 0;
                for (int h = 0; h < op.OutH; h++)
                {
                    for (int w = 0; w < op.OutW; w++)
                    {
                        for (int c = 0; c < op.OutC; c++)
                        {
                            // Find the input that holds this position along the axis, and the position inside it.
                            int at = cat.Axis == 0 ? h : (cat.Axis == 1 ? w : c);
                            int k = 0;
                            int extent = Extent(op.Inputs[0], cat.Axis);
                            while (at >= extent)
                            {
                                at -= extent;
                                k++;
                                extent = Extent(op.Inputs[k], cat.Axis);
                            }

                            TensorSpec t = op.Inputs[k];
                            int v = inputs[k][(((cat.Axis == 0 ? at : h) * t.W) + (cat.Axis == 1 ? at : w)) * t.C + (cat.Axis == 2 ? at : c)];
                            if (t.Scale == op.OutScale && t.ZeroPoint == op.OutZeroPoint)
                            {
                                Assert.AreEqual(v, (int)y[index], "Concat copies output " + index);
                            }
                            else
                            {
                                double expected = Math.Max(-128, Math.Min(127, ((v - t.ZeroPoint) * (double)t.Scale / op.OutScale) + op.OutZeroPoint));
                                Near(y[index], expected, "Concat requantized output " + index);
                            }

                            index++;
                        }
                    }
                }
            }
            else if (op is Pad)
            {
                Pad pad = (Pad)op;
                int index = 0;
                for (int h = 0; h < op.OutH; h++)
                {
                    for (int w = 0; w < op.OutW; w++)
                    {
                        for (int c = 0; c < op.OutC; c++)
                        {
                            int expected = At(op, x, h - pad.PadTop, w - pad.PadLeft, c);
                            Assert.AreEqual(expected, (int)y[index], "Pad output " + index);
                            index++;
                        }
                    }
                }
            }
            else if (op is Lookup)
            {
                Lookup lookup = (Lookup)op;
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.AreEqual((int)(sbyte)lookup.Table[lookup.TableOffset + x[i] + 128], (int)y[i], "Lookup output " + i);
                }
            }
            else if (op is Mean)
            {
                // The exact sum in 64 bits, then the real mean over s_out.
                int n = op.InH * op.InW;
                int min;
                int max;
                QuantMath.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out min, out max);
                for (int c = 0; c < op.InC; c++)
                {
                    long acc = 0;
                    for (int p = 0; p < n; p++)
                    {
                        acc += x[(p * op.InC) + c] - op.InZeroPoint;
                    }

                    Assert.AreEqual(acc, (long)op.AccumulatorProbe[c], "Mean sum of channel " + c);
                    double expected = Math.Max(min, Math.Min(max, (acc * (double)op.InScale / (n * (double)op.OutScale)) + op.OutZeroPoint));
                    Near(y[c], expected, "Mean output " + c);
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

        /// <summary>A tensor's value at (h, w, c) of the output, broadcast: a dimension of 1 repeats.</summary>
        private static int Broadcast(TensorSpec t, sbyte[] x, int h, int w, int c)
        {
            return x[((((h % t.H) * t.W) + (w % t.W)) * t.C) + (c % t.C)];
        }

        private static int Extent(TensorSpec t, int axis)
        {
            return axis == 0 ? t.H : (axis == 1 ? t.W : t.C);
        }

        private static int At(Operator op, sbyte[] x, int y, int xx, int c)
        {
            return y < 0 || y >= op.InH || xx < 0 || xx >= op.InW ? op.InZeroPoint : x[(((y * op.InW) + xx) * op.InC) + c];
        }
    }
}
