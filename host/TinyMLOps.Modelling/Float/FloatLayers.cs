namespace TinyMLOps.Modelling.Float;

/// <summary>Activations a float layer can fuse; they map one to one onto the int8 runtime's fused activations.</summary>
public enum FloatActivation
{
    None = 0,
    Relu = 1,
    Relu6 = 2,
}

/// <summary>Shape of one HWC tensor (batch excluded). A flat vector is (1, 1, C).</summary>
public readonly record struct TensorShape(int H, int W, int C)
{
    public int Elements => H * W * C;

    public override string ToString() => $"{H}x{W}x{C}";
}

/// <summary>One layer of a float model graph. Tensors are HWC, like the int8 runtime.</summary>
public abstract class FloatLayer
{
    public abstract string Kind { get; }

    /// <summary>How many tensors the layer reads: one unless it merges branches.</summary>
    public virtual int MinInputs => 1;

    public virtual int MaxInputs => 1;

    /// <summary>The output shape for the given input shape; throws when the input does not fit.</summary>
    public abstract TensorShape OutputShape(TensorShape input);

    /// <summary>The output shape for the given input shapes; throws when they do not fit.</summary>
    public virtual TensorShape OutputShape(IReadOnlyList<TensorShape> inputs)
    {
        CheckArity(inputs);
        return OutputShape(inputs[0]);
    }

    protected void CheckArity(IReadOnlyList<TensorShape> inputs)
    {
        if (inputs.Count < MinInputs || inputs.Count > MaxInputs)
        {
            throw new InvalidOperationException($"{Kind} takes {(MinInputs == MaxInputs ? MinInputs.ToString() : $"{MinInputs}..{MaxInputs}")} inputs, got {inputs.Count}");
        }
    }
}

/// <summary>Sliding-window geometry: kernel, stride and explicit padding (top, left, bottom, right).</summary>
public sealed record WindowSpec(int KernelH, int KernelW, int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0)
{
    public int OutH(int inH) => ((inH + PadTop + PadBottom - KernelH) / StrideH) + 1;

    public int OutW(int inW) => ((inW + PadLeft + PadRight - KernelW) / StrideW) + 1;

    public static WindowSpec Same(int kernel) => new(kernel, kernel, 1, 1, kernel / 2, kernel / 2, (kernel - 1) / 2, (kernel - 1) / 2);
}

/// <summary>Dense layer. Weights are [units][inputs], row-major.</summary>
public sealed class DenseLayer(int inputs, int units, FloatActivation activation = FloatActivation.None) : FloatLayer
{
    public int Inputs { get; } = inputs;
    public int Units { get; } = units;
    public FloatActivation Activation { get; set; } = activation;
    public float[] Weights { get; } = new float[units * inputs];
    public float[] Bias { get; } = new float[units];

    public override string Kind => "Dense";

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.H != 1 || input.W != 1 || input.C != Inputs)
        {
            throw new InvalidOperationException($"Dense({Inputs}->{Units}) cannot take input {input}; flatten first");
        }

        return new TensorShape(1, 1, Units);
    }
}

/// <summary>2-D convolution. Weights are OHWI: [outC][kh][kw][inC].</summary>
public sealed class Conv2DLayer(int inChannels, int outChannels, WindowSpec window, FloatActivation activation = FloatActivation.None) : FloatLayer
{
    public int InChannels { get; } = inChannels;
    public int OutChannels { get; } = outChannels;
    public WindowSpec Window { get; } = window;
    public FloatActivation Activation { get; set; } = activation;
    public float[] Weights { get; } = new float[outChannels * window.KernelH * window.KernelW * inChannels];
    public float[] Bias { get; } = new float[outChannels];

    public override string Kind => "Conv2D";

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.C != InChannels)
        {
            throw new InvalidOperationException($"Conv2D expects {InChannels} channels, got {input}");
        }

        return new TensorShape(Window.OutH(input.H), Window.OutW(input.W), OutChannels);
    }
}

/// <summary>Depthwise convolution with a depth multiplier. Weights are [kh][kw][channels * multiplier].</summary>
public sealed class DepthwiseConv2DLayer(int channels, int multiplier, WindowSpec window, FloatActivation activation = FloatActivation.None) : FloatLayer
{
    public int Channels { get; } = channels;
    public int Multiplier { get; } = multiplier;
    public int OutChannels => Channels * Multiplier;
    public WindowSpec Window { get; } = window;
    public FloatActivation Activation { get; set; } = activation;
    public float[] Weights { get; } = new float[window.KernelH * window.KernelW * channels * multiplier];
    public float[] Bias { get; } = new float[channels * multiplier];

    public override string Kind => "DepthwiseConv2D";

    public override TensorShape OutputShape(TensorShape input)
    {
        if (input.C != Channels)
        {
            throw new InvalidOperationException($"DepthwiseConv2D expects {Channels} channels, got {input}");
        }

        return new TensorShape(Window.OutH(input.H), Window.OutW(input.W), OutChannels);
    }
}

public sealed class MaxPool2DLayer(WindowSpec window) : FloatLayer
{
    public WindowSpec Window { get; } = window;

    public override string Kind => "MaxPool2D";

    public override TensorShape OutputShape(TensorShape input) => new(Window.OutH(input.H), Window.OutW(input.W), input.C);
}

/// <summary>Average pooling; padded positions are not counted (ONNX count_include_pad = 0).</summary>
public sealed class AveragePool2DLayer(WindowSpec window) : FloatLayer
{
    public WindowSpec Window { get; } = window;

    public override string Kind => "AveragePool2D";

    public override TensorShape OutputShape(TensorShape input) => new(Window.OutH(input.H), Window.OutW(input.W), input.C);
}

/// <summary>Flattens HWC to (1, 1, H*W*C) in HWC order.</summary>
public sealed class FlattenLayer : FloatLayer
{
    public override string Kind => "Flatten";

    public override TensorShape OutputShape(TensorShape input) => new(1, 1, input.Elements);
}

/// <summary>Softmax over the channels of each position.</summary>
public sealed class SoftmaxLayer : FloatLayer
{
    public override string Kind => "Softmax";

    public override TensorShape OutputShape(TensorShape input) => input;
}
