namespace TinyMLOps.Modelling.Float;

/// <summary>
/// Reference float forward pass, one sample at a time, written for clarity rather than speed. The trainer
/// has its own batched implementation; this one is what importers and quantization calibrate against.
/// </summary>
public static class FloatInference
{
    /// <summary>Runs the model (a chain or a graph) and returns every layer's output: result[i] is the output of layer i.</summary>
    public static float[][] ForwardAll(FloatModel model, ReadOnlySpan<float> input)
    {
        if (input.Length != model.Input.Elements)
        {
            throw new ArgumentException($"input has {input.Length} values, the model expects {model.Input.Elements}");
        }

        var tensors = new float[model.Layers.Count + 1][];
        tensors[0] = input.ToArray();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            int[] ids = model.InputsOf(i);
            tensors[i + 1] = ids.Length == 1
                ? Forward(model.Layers[i], model.Shapes[ids[0]], model.Shapes[i + 1], tensors[ids[0]])
                : Forward(model.Layers[i], [.. ids.Select(id => model.Shapes[id])], model.Shapes[i + 1], [.. ids.Select(id => tensors[id])]);
        }

        return tensors[1..];
    }

    public static float[] Forward(FloatModel model, ReadOnlySpan<float> input) => ForwardAll(model, input)[^1];

    public static int Predict(FloatModel model, ReadOnlySpan<float> input)
    {
        float[] y = Forward(model, input);
        int best = 0;
        for (int i = 1; i < y.Length; i++)
        {
            if (y[i] > y[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>A layer that merges branches: every input's shape and values.</summary>
    public static float[] Forward(FloatLayer layer, TensorShape[] inShapes, TensorShape outShape, float[][] x)
    {
        var y = new float[outShape.Elements];
        switch (layer)
        {
            case BinaryLayer b:
                for (int i = 0; i < y.Length; i++)
                {
                    float l = x[0][Broadcast(i, inShapes[0], outShape)];
                    float r = x[1][Broadcast(i, inShapes[1], outShape)];
                    y[i] = Activate(b.Multiply ? l * r : l + r, b.Activation);
                }

                break;
            case ConcatLayer c:
                int offset = 0;
                for (int k = 0; k < x.Length; k++)
                {
                    TensorShape s = inShapes[k];
                    for (int h = 0; h < s.H; h++)
                    {
                        for (int w = 0; w < s.W; w++)
                        {
                            for (int ch = 0; ch < s.C; ch++)
                            {
                                (int oh, int ow, int oc) = c.Axis switch { 0 => (h + offset, w, ch), 1 => (h, w + offset, ch), _ => (h, w, ch + offset) };
                                y[(((oh * outShape.W) + ow) * outShape.C) + oc] = x[k][(((h * s.W) + w) * s.C) + ch];
                            }
                        }
                    }

                    offset += c.Axis switch { 0 => s.H, 1 => s.W, _ => s.C };
                }

                break;
            default:
                throw new NotSupportedException($"no float forward for {layer.Kind} with {x.Length} inputs");
        }

        return y;
    }

    /// <summary>Index into an input of shape <paramref name="s"/> that broadcasts onto output element <paramref name="i"/>.</summary>
    private static int Broadcast(int i, TensorShape s, TensorShape o) => s == o ? i : s.C == 1 ? 0 : i % o.C;

    public static float[] Forward(FloatLayer layer, TensorShape inShape, TensorShape outShape, float[] x)
    {
        var y = new float[outShape.Elements];
        switch (layer)
        {
            case DenseLayer d:
                for (int o = 0; o < d.Units; o++)
                {
                    double acc = d.Bias[o];
                    for (int i = 0; i < d.Inputs; i++)
                    {
                        acc += (double)x[i] * d.Weights[(o * d.Inputs) + i];
                    }

                    y[o] = Activate((float)acc, d.Activation);
                }

                break;
            case Conv2DLayer c:
                Convolve(x, inShape, outShape, y, c.Window, c.Weights, c.Bias, c.Activation, depthwise: false, multiplier: 1);
                break;
            case DepthwiseConv2DLayer dw:
                Convolve(x, inShape, outShape, y, dw.Window, dw.Weights, dw.Bias, dw.Activation, depthwise: true, dw.Multiplier);
                break;
            case MaxPool2DLayer mp:
                Pool(x, inShape, outShape, y, mp.Window, max: true);
                break;
            case AveragePool2DLayer ap:
                Pool(x, inShape, outShape, y, ap.Window, max: false);
                break;
            case FlattenLayer:
                Array.Copy(x, y, x.Length);
                break;
            case UnaryLayer u:
                for (int i = 0; i < x.Length; i++)
                {
                    y[i] = u.Apply(x[i]);
                }

                break;
            case PadLayer p:
                for (int h = 0; h < inShape.H; h++)
                {
                    Array.Copy(x, h * inShape.W * inShape.C, y, ((((h + p.Top) * outShape.W) + p.Left) * outShape.C), inShape.W * inShape.C);
                }

                break;
            case MeanLayer:
                for (int c = 0; c < inShape.C; c++)
                {
                    double sum = 0;
                    for (int pos = 0; pos < inShape.H * inShape.W; pos++)
                    {
                        sum += x[(pos * inShape.C) + c];
                    }

                    y[c] = (float)(sum / (inShape.H * inShape.W));
                }

                break;
            case SoftmaxLayer:
                for (int p = 0; p < outShape.H * outShape.W; p++)
                {
                    int b = p * outShape.C;
                    float max = float.NegativeInfinity;
                    for (int i = 0; i < outShape.C; i++)
                    {
                        max = Math.Max(max, x[b + i]);
                    }

                    double sum = 0;
                    for (int i = 0; i < outShape.C; i++)
                    {
                        sum += Math.Exp(x[b + i] - max);
                    }

                    for (int i = 0; i < outShape.C; i++)
                    {
                        y[b + i] = (float)(Math.Exp(x[b + i] - max) / sum);
                    }
                }

                break;
            default:
                throw new NotSupportedException($"no float forward for {layer.Kind}");
        }

        return y;
    }

    public static float Activate(float v, FloatActivation activation) => activation switch
    {
        FloatActivation.Relu => Math.Max(0f, v),
        FloatActivation.Relu6 => Math.Clamp(v, 0f, 6f),
        _ => v,
    };

    private static void Convolve(float[] x, TensorShape s, TensorShape o, float[] y, WindowSpec w, float[] weights, float[] bias, FloatActivation act, bool depthwise, int multiplier)
    {
        for (int oy = 0; oy < o.H; oy++)
        {
            for (int ox = 0; ox < o.W; ox++)
            {
                for (int oc = 0; oc < o.C; oc++)
                {
                    double acc = bias[oc];
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        int iy = (oy * w.StrideH) - w.PadTop + ky;
                        if (iy < 0 || iy >= s.H)
                        {
                            continue;
                        }

                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int ix = (ox * w.StrideW) - w.PadLeft + kx;
                            if (ix < 0 || ix >= s.W)
                            {
                                continue;
                            }

                            int inBase = ((iy * s.W) + ix) * s.C;
                            if (depthwise)
                            {
                                acc += (double)x[inBase + (oc / multiplier)] * weights[(((ky * w.KernelW) + kx) * o.C) + oc];
                            }
                            else
                            {
                                int wBase = (((oc * w.KernelH) + ky) * w.KernelW + kx) * s.C;
                                for (int ic = 0; ic < s.C; ic++)
                                {
                                    acc += (double)x[inBase + ic] * weights[wBase + ic];
                                }
                            }
                        }
                    }

                    y[(((oy * o.W) + ox) * o.C) + oc] = Activate((float)acc, act);
                }
            }
        }
    }

    private static void Pool(float[] x, TensorShape s, TensorShape o, float[] y, WindowSpec w, bool max)
    {
        for (int oy = 0; oy < o.H; oy++)
        {
            for (int ox = 0; ox < o.W; ox++)
            {
                for (int c = 0; c < o.C; c++)
                {
                    float best = float.NegativeInfinity;
                    double sum = 0;
                    int count = 0;
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        int iy = (oy * w.StrideH) - w.PadTop + ky;
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int ix = (ox * w.StrideW) - w.PadLeft + kx;
                            if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W)
                            {
                                continue;
                            }

                            float v = x[(((iy * s.W) + ix) * s.C) + c];
                            best = Math.Max(best, v);
                            sum += v;
                            count++;
                        }
                    }

                    y[(((oy * o.W) + ox) * o.C) + c] = max ? best : (float)(sum / count);
                }
            }
        }
    }
}
