using System.Numerics.Tensors;
using TinyMLOps.Modelling.Float;

namespace TinyMLOps.Modelling.Training;

/// <summary>
/// Per-layer scratch of one worker: im2col columns and their gradient for convolutions, argmax indices for
/// max pooling. A worker runs one sample's forward and backward back to back, so the forward's scratch is
/// still valid in the backward.
/// </summary>
internal sealed class LayerScratch(int floats, int ints)
{
    public float[] Cols { get; } = new float[floats];

    public float[] DCols { get; } = new float[floats];

    public int[] Index { get; } = new int[ints];
}

/// <summary>
/// Trainable form of one <see cref="FloatLayer"/>. Spatial tensors are held CHW inside the trainer (so that
/// convolutions vectorise over output positions); flat tensors (1x1xC) are the same in either layout, and
/// <see cref="FlattenTrain"/> converts CHW to the model's HWC order. Parameters are the float layer's own
/// arrays, updated in place.
/// </summary>
internal abstract class TrainLayer(TensorShape input, TensorShape output)
{
    public TensorShape In { get; } = input;

    public TensorShape Out { get; } = output;

    public virtual float[]? Weights => null;

    public virtual float[]? Bias => null;

    /// <summary>Fan-in for He initialisation (0 for layers without weights).</summary>
    public virtual int FanIn => 0;

    public virtual LayerScratch CreateScratch() => new(0, 0);

    public abstract void Forward(ReadOnlySpan<float> x, Span<float> y, LayerScratch s);

    /// <summary>
    /// Back-propagates <paramref name="dy"/> (which it may overwrite), adds the parameter gradients to
    /// <paramref name="gW"/> and <paramref name="gB"/>, and writes the input gradient to <paramref name="dx"/>
    /// unless that is empty (first layer).
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, Span<float> gW, Span<float> gB, LayerScratch s);

    public static TrainLayer Create(FloatLayer layer, TensorShape input, TensorShape output) => layer switch
    {
        DenseLayer d => new DenseTrain(d, input, output),
        Conv2DLayer c => new ConvTrain(c, input, output),
        DepthwiseConv2DLayer dw => new DepthwiseTrain(dw, input, output),
        MaxPool2DLayer mp => new PoolTrain(mp.Window, max: true, input, output),
        AveragePool2DLayer ap => new PoolTrain(ap.Window, max: false, input, output),
        FlattenLayer => new FlattenTrain(input, output),
        _ => throw new NotSupportedException($"the trainer cannot train a {layer.Kind} layer here"),
    };

    protected static void Activate(Span<float> y, FloatActivation activation)
    {
        switch (activation)
        {
            case FloatActivation.Relu:
                TensorPrimitives.Max(y, 0f, y);
                break;
            case FloatActivation.Relu6:
                TensorPrimitives.Max(y, 0f, y);
                TensorPrimitives.Min(y, 6f, y);
                break;
        }
    }

    /// <summary>Zeroes the gradient where the fused activation was flat.</summary>
    protected static void MaskActivation(ReadOnlySpan<float> y, Span<float> dy, FloatActivation activation)
    {
        switch (activation)
        {
            case FloatActivation.Relu:
                for (int i = 0; i < dy.Length; i++)
                {
                    if (y[i] <= 0f)
                    {
                        dy[i] = 0f;
                    }
                }

                break;
            case FloatActivation.Relu6:
                for (int i = 0; i < dy.Length; i++)
                {
                    if (y[i] <= 0f || y[i] >= 6f)
                    {
                        dy[i] = 0f;
                    }
                }

                break;
        }
    }

    /// <summary>
    /// im2col over a CHW input: cols[(kk * C + c) * P + p] is the input under kernel tap kk = ky * kw + kx of
    /// channel c for output position p (zero in the padding). Row order matches OHWI weight rows.
    /// </summary>
    protected static void Im2Col(ReadOnlySpan<float> x, TensorShape s, WindowSpec w, TensorShape o, Span<float> cols)
    {
        int positions = o.H * o.W;
        int plane = s.H * s.W;
        for (int ky = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++)
            {
                int kk = (ky * w.KernelW) + kx;
                int lo = 0;
                int hi = 0;
                if (w.StrideW == 1)
                {
                    lo = Math.Max(0, w.PadLeft - kx);
                    hi = Math.Min(o.W, s.W + w.PadLeft - kx);
                }

                for (int c = 0; c < s.C; c++)
                {
                    Span<float> row = cols.Slice(((kk * s.C) + c) * positions, positions);
                    ReadOnlySpan<float> src = x.Slice(c * plane, plane);
                    for (int oy = 0; oy < o.H; oy++)
                    {
                        Span<float> dst = row.Slice(oy * o.W, o.W);
                        int iy = (oy * w.StrideH) - w.PadTop + ky;
                        if (iy < 0 || iy >= s.H)
                        {
                            dst.Clear();
                            continue;
                        }

                        ReadOnlySpan<float> srcRow = src.Slice(iy * s.W, s.W);
                        if (w.StrideW == 1)
                        {
                            if (hi <= lo)
                            {
                                dst.Clear();
                                continue;
                            }

                            dst[..lo].Clear();
                            srcRow.Slice(lo - w.PadLeft + kx, hi - lo).CopyTo(dst[lo..]);
                            dst[hi..].Clear();
                        }
                        else
                        {
                            for (int ox = 0; ox < o.W; ox++)
                            {
                                int ix = (ox * w.StrideW) - w.PadLeft + kx;
                                dst[ox] = ix >= 0 && ix < s.W ? srcRow[ix] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dx = Σ of the column gradients over the taps that read each input.</summary>
    protected static void Col2Im(ReadOnlySpan<float> dcols, TensorShape s, WindowSpec w, TensorShape o, Span<float> dx)
    {
        dx.Clear();
        int positions = o.H * o.W;
        int plane = s.H * s.W;
        for (int ky = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++)
            {
                int kk = (ky * w.KernelW) + kx;
                int lo = 0;
                int hi = 0;
                if (w.StrideW == 1)
                {
                    lo = Math.Max(0, w.PadLeft - kx);
                    hi = Math.Min(o.W, s.W + w.PadLeft - kx);
                }

                for (int c = 0; c < s.C; c++)
                {
                    ReadOnlySpan<float> row = dcols.Slice(((kk * s.C) + c) * positions, positions);
                    Span<float> dst = dx.Slice(c * plane, plane);
                    for (int oy = 0; oy < o.H; oy++)
                    {
                        int iy = (oy * w.StrideH) - w.PadTop + ky;
                        if (iy < 0 || iy >= s.H)
                        {
                            continue;
                        }

                        ReadOnlySpan<float> src = row.Slice(oy * o.W, o.W);
                        Span<float> dstRow = dst.Slice(iy * s.W, s.W);
                        if (w.StrideW == 1)
                        {
                            if (hi > lo)
                            {
                                Span<float> d = dstRow.Slice(lo - w.PadLeft + kx, hi - lo);
                                TensorPrimitives.Add(d, src[lo..hi], d);
                            }
                        }
                        else
                        {
                            for (int ox = 0; ox < o.W; ox++)
                            {
                                int ix = (ox * w.StrideW) - w.PadLeft + kx;
                                if (ix >= 0 && ix < s.W)
                                {
                                    dstRow[ix] += src[ox];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

internal sealed class DenseTrain(DenseLayer layer, TensorShape input, TensorShape output) : TrainLayer(input, output)
{
    public override float[] Weights => layer.Weights;

    public override float[] Bias => layer.Bias;

    public override int FanIn => layer.Inputs;

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, LayerScratch s)
    {
        int n = layer.Inputs;
        ReadOnlySpan<float> w = layer.Weights;
        for (int o = 0; o < layer.Units; o++)
        {
            y[o] = TensorPrimitives.Dot(w.Slice(o * n, n), x) + layer.Bias[o];
        }

        Activate(y, layer.Activation);
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, Span<float> gW, Span<float> gB, LayerScratch s)
    {
        MaskActivation(y, dy, layer.Activation);
        int n = layer.Inputs;
        ReadOnlySpan<float> w = layer.Weights;
        if (!dx.IsEmpty)
        {
            dx.Clear();
        }

        for (int o = 0; o < layer.Units; o++)
        {
            float g = dy[o];
            if (g == 0f)
            {
                continue;
            }

            gB[o] += g;
            Span<float> gRow = gW.Slice(o * n, n);
            TensorPrimitives.MultiplyAdd(x, g, gRow, gRow);
            if (!dx.IsEmpty)
            {
                TensorPrimitives.MultiplyAdd(w.Slice(o * n, n), g, dx, dx);
            }
        }
    }
}

internal sealed class ConvTrain(Conv2DLayer layer, TensorShape input, TensorShape output) : TrainLayer(input, output)
{
    private readonly int _k = layer.Window.KernelH * layer.Window.KernelW * layer.InChannels;
    private readonly int _p = output.H * output.W;

    public override float[] Weights => layer.Weights;

    public override float[] Bias => layer.Bias;

    public override int FanIn => _k;

    public override LayerScratch CreateScratch() => new(_k * _p, 0);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, LayerScratch s)
    {
        Im2Col(x, In, layer.Window, Out, s.Cols);
        ReadOnlySpan<float> cols = s.Cols;
        ReadOnlySpan<float> w = layer.Weights;
        for (int o = 0; o < Out.C; o++)
        {
            Span<float> yRow = y.Slice(o * _p, _p);
            yRow.Fill(layer.Bias[o]);
            ReadOnlySpan<float> wRow = w.Slice(o * _k, _k);
            for (int k = 0; k < _k; k++)
            {
                TensorPrimitives.MultiplyAdd(cols.Slice(k * _p, _p), wRow[k], yRow, yRow);
            }
        }

        Activate(y, layer.Activation);
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, Span<float> gW, Span<float> gB, LayerScratch s)
    {
        MaskActivation(y, dy, layer.Activation);
        ReadOnlySpan<float> cols = s.Cols;
        for (int o = 0; o < Out.C; o++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(o * _p, _p);
            gB[o] += TensorPrimitives.Sum(dyRow);
            Span<float> gRow = gW.Slice(o * _k, _k);
            for (int k = 0; k < _k; k++)
            {
                gRow[k] += TensorPrimitives.Dot(dyRow, cols.Slice(k * _p, _p));
            }
        }

        if (dx.IsEmpty)
        {
            return;
        }

        Span<float> dcols = s.DCols;
        ReadOnlySpan<float> w = layer.Weights;
        for (int k = 0; k < _k; k++)
        {
            Span<float> dRow = dcols.Slice(k * _p, _p);
            dRow.Clear();
            for (int o = 0; o < Out.C; o++)
            {
                TensorPrimitives.MultiplyAdd(dy.Slice(o * _p, _p), w[(o * _k) + k], dRow, dRow);
            }
        }

        Col2Im(dcols, In, layer.Window, Out, dx);
    }
}

internal sealed class DepthwiseTrain(DepthwiseConv2DLayer layer, TensorShape input, TensorShape output) : TrainLayer(input, output)
{
    private readonly int _taps = layer.Window.KernelH * layer.Window.KernelW;
    private readonly int _p = output.H * output.W;

    public override float[] Weights => layer.Weights;

    public override float[] Bias => layer.Bias;

    public override int FanIn => _taps;

    public override LayerScratch CreateScratch() => new(_taps * In.C * _p, 0);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, LayerScratch s)
    {
        Im2Col(x, In, layer.Window, Out, s.Cols);
        ReadOnlySpan<float> cols = s.Cols;
        ReadOnlySpan<float> w = layer.Weights;
        int outC = Out.C;
        for (int oc = 0; oc < outC; oc++)
        {
            int ic = oc / layer.Multiplier;
            Span<float> yRow = y.Slice(oc * _p, _p);
            yRow.Fill(layer.Bias[oc]);
            for (int kk = 0; kk < _taps; kk++)
            {
                TensorPrimitives.MultiplyAdd(cols.Slice(((kk * In.C) + ic) * _p, _p), w[(kk * outC) + oc], yRow, yRow);
            }
        }

        Activate(y, layer.Activation);
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, Span<float> gW, Span<float> gB, LayerScratch s)
    {
        MaskActivation(y, dy, layer.Activation);
        ReadOnlySpan<float> cols = s.Cols;
        ReadOnlySpan<float> w = layer.Weights;
        Span<float> dcols = s.DCols;
        int outC = Out.C;
        if (!dx.IsEmpty)
        {
            dcols.Clear();
        }

        for (int oc = 0; oc < outC; oc++)
        {
            int ic = oc / layer.Multiplier;
            ReadOnlySpan<float> dyRow = dy.Slice(oc * _p, _p);
            gB[oc] += TensorPrimitives.Sum(dyRow);
            for (int kk = 0; kk < _taps; kk++)
            {
                int row = ((kk * In.C) + ic) * _p;
                gW[(kk * outC) + oc] += TensorPrimitives.Dot(dyRow, cols.Slice(row, _p));
                if (!dx.IsEmpty)
                {
                    Span<float> dRow = dcols.Slice(row, _p);
                    TensorPrimitives.MultiplyAdd(dyRow, w[(kk * outC) + oc], dRow, dRow);
                }
            }
        }

        if (!dx.IsEmpty)
        {
            Col2Im(dcols, In, layer.Window, Out, dx);
        }
    }
}

/// <summary>Max or average pooling over the valid part of each window (padding never counts), CHW.</summary>
internal sealed class PoolTrain(WindowSpec window, bool max, TensorShape input, TensorShape output) : TrainLayer(input, output)
{
    public override LayerScratch CreateScratch() => new(0, max ? Out.Elements : 0);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, LayerScratch s)
    {
        int inPlane = In.H * In.W;
        int outPlane = Out.H * Out.W;
        for (int c = 0; c < Out.C; c++)
        {
            ReadOnlySpan<float> src = x.Slice(c * inPlane, inPlane);
            for (int oy = 0; oy < Out.H; oy++)
            {
                int y0 = (oy * window.StrideH) - window.PadTop;
                int yStart = Math.Max(0, y0);
                int yEnd = Math.Min(In.H, y0 + window.KernelH);
                for (int ox = 0; ox < Out.W; ox++)
                {
                    int x0 = (ox * window.StrideW) - window.PadLeft;
                    int xStart = Math.Max(0, x0);
                    int xEnd = Math.Min(In.W, x0 + window.KernelW);
                    int outIndex = (c * outPlane) + (oy * Out.W) + ox;
                    if (max)
                    {
                        float best = float.NegativeInfinity;
                        int bestAt = -1;
                        for (int iy = yStart; iy < yEnd; iy++)
                        {
                            for (int ix = xStart; ix < xEnd; ix++)
                            {
                                float v = src[(iy * In.W) + ix];
                                if (v > best || bestAt < 0)
                                {
                                    best = v;
                                    bestAt = (iy * In.W) + ix;
                                }
                            }
                        }

                        y[outIndex] = best;
                        s.Index[outIndex] = bestAt < 0 ? -1 : (c * inPlane) + bestAt;
                    }
                    else
                    {
                        float sum = 0f;
                        for (int iy = yStart; iy < yEnd; iy++)
                        {
                            for (int ix = xStart; ix < xEnd; ix++)
                            {
                                sum += src[(iy * In.W) + ix];
                            }
                        }

                        int count = (yEnd - yStart) * (xEnd - xStart);
                        y[outIndex] = count > 0 ? sum / count : 0f;
                    }
                }
            }
        }
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, Span<float> gW, Span<float> gB, LayerScratch s)
    {
        if (dx.IsEmpty)
        {
            return;
        }

        dx.Clear();
        if (max)
        {
            for (int i = 0; i < dy.Length; i++)
            {
                int at = s.Index[i];
                if (at >= 0)
                {
                    dx[at] += dy[i];
                }
            }

            return;
        }

        int inPlane = In.H * In.W;
        int outPlane = Out.H * Out.W;
        for (int c = 0; c < Out.C; c++)
        {
            Span<float> dst = dx.Slice(c * inPlane, inPlane);
            for (int oy = 0; oy < Out.H; oy++)
            {
                int y0 = (oy * window.StrideH) - window.PadTop;
                int yStart = Math.Max(0, y0);
                int yEnd = Math.Min(In.H, y0 + window.KernelH);
                for (int ox = 0; ox < Out.W; ox++)
                {
                    int x0 = (ox * window.StrideW) - window.PadLeft;
                    int xStart = Math.Max(0, x0);
                    int xEnd = Math.Min(In.W, x0 + window.KernelW);
                    int count = (yEnd - yStart) * (xEnd - xStart);
                    if (count == 0)
                    {
                        continue;
                    }

                    float g = dy[(c * outPlane) + (oy * Out.W) + ox] / count;
                    for (int iy = yStart; iy < yEnd; iy++)
                    {
                        for (int ix = xStart; ix < xEnd; ix++)
                        {
                            dst[(iy * In.W) + ix] += g;
                        }
                    }
                }
            }
        }
    }
}

/// <summary>Flatten: CHW inside the trainer to the model's HWC order (the order Dense weights index).</summary>
internal sealed class FlattenTrain(TensorShape input, TensorShape output) : TrainLayer(input, output)
{
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, LayerScratch s) => Trainer.ChwToHwc(x, In, y);

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, Span<float> gW, Span<float> gB, LayerScratch s)
    {
        if (!dx.IsEmpty)
        {
            Trainer.HwcToChw(dy, In, dx);
        }
    }
}
