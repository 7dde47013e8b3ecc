namespace TinyMLOps.Modelling.Float;

/// <summary>
/// Element-wise sum or product of two tensors (residual connections, squeeze-excite gates). The shapes are equal,
/// or one input is 1x1xC (broadcast over positions) or 1x1x1 (a scalar); the output takes the larger shape.
/// </summary>
public sealed class BinaryLayer(bool multiply, FloatActivation activation = FloatActivation.None) : FloatLayer
{
    public bool Multiply { get; } = multiply;

    public FloatActivation Activation { get; set; } = activation;

    public override string Kind => Multiply ? "Mul" : "Add";

    public override int MinInputs => 2;

    public override int MaxInputs => 2;

    public override TensorShape OutputShape(TensorShape input) => throw new InvalidOperationException($"{Kind} takes two inputs");

    public override TensorShape OutputShape(IReadOnlyList<TensorShape> inputs)
    {
        CheckArity(inputs);
        return Broadcast(Kind, inputs[0], inputs[1]);
    }

    /// <summary>The larger of two shapes that broadcast onto each other, or an error naming both.</summary>
    public static TensorShape Broadcast(string kind, TensorShape a, TensorShape b)
    {
        static bool Fits(TensorShape small, TensorShape big) =>
            small == big || (small.H == 1 && small.W == 1 && (small.C == big.C || small.C == 1));
        return Fits(b, a) ? a : Fits(a, b) ? b : throw new InvalidOperationException($"{kind} of {a} and {b}: the shapes must be equal, or one 1x1xC or 1x1x1");
    }
}

/// <summary>Concatenation along H (0), W (1) or C (2) of the HWC tensors; the other dimensions must agree.</summary>
public sealed class ConcatLayer(int axis, int inputs) : FloatLayer
{
    public int Axis { get; } = axis;

    public override string Kind => "Concat";

    public override int MinInputs => 2;

    public override int MaxInputs => Math.Max(2, inputs);

    public override TensorShape OutputShape(TensorShape input) => throw new InvalidOperationException("Concat takes several inputs");

    public override TensorShape OutputShape(IReadOnlyList<TensorShape> inputs)
    {
        CheckArity(inputs);
        TensorShape first = inputs[0];
        int sum = 0;
        foreach (TensorShape s in inputs)
        {
            bool agree = Axis switch
            {
                0 => s.W == first.W && s.C == first.C,
                1 => s.H == first.H && s.C == first.C,
                _ => s.H == first.H && s.W == first.W,
            };
            if (!agree || Axis is < 0 or > 2)
            {
                throw new InvalidOperationException($"Concat along axis {Axis} of {string.Join(", ", inputs)}: the other dimensions must be equal");
            }

            sum += Axis switch { 0 => s.H, 1 => s.W, _ => s.C };
        }

        return Axis switch
        {
            0 => first with { H = sum },
            1 => first with { W = sum },
            _ => first with { C = sum },
        };
    }
}

/// <summary>Zero padding of the height and width.</summary>
public sealed class PadLayer(int top, int bottom, int left, int right) : FloatLayer
{
    public int Top { get; } = top;

    public int Bottom { get; } = bottom;

    public int Left { get; } = left;

    public int Right { get; } = right;

    public override string Kind => "Pad";

    public override TensorShape OutputShape(TensorShape input) => new(input.H + Top + Bottom, input.W + Left + Right, input.C);
}

/// <summary>Element-wise functions without a layer to fuse into; int8 runs them through a 256-entry table.</summary>
public enum UnaryFunction
{
    Relu,
    Clip,
    Sigmoid,
    Tanh,
    HardSigmoid,
    HardSwish,
    LeakyRelu,
}

/// <summary>One element-wise function: <see cref="Apply"/> is its definition (ONNX's).</summary>
public sealed class UnaryLayer(UnaryFunction function, float alpha = 0f, float beta = 0f) : FloatLayer
{
    public UnaryFunction Function { get; } = function;

    /// <summary>Clip: min; LeakyRelu: the slope; HardSigmoid: alpha.</summary>
    public float Alpha { get; } = alpha;

    /// <summary>Clip: max; HardSigmoid: beta.</summary>
    public float Beta { get; } = beta;

    public override string Kind => Function.ToString();

    public override TensorShape OutputShape(TensorShape input) => input;

    public float Apply(float x) => Function switch
    {
        UnaryFunction.Relu => Math.Max(0f, x),
        UnaryFunction.Clip => Math.Clamp(x, Alpha, Beta),
        UnaryFunction.Sigmoid => (float)(1.0 / (1.0 + Math.Exp(-x))),
        UnaryFunction.Tanh => MathF.Tanh(x),
        UnaryFunction.HardSigmoid => Math.Clamp((Alpha * x) + Beta, 0f, 1f),
        UnaryFunction.HardSwish => x * Math.Clamp((x / 6f) + 0.5f, 0f, 1f),
        UnaryFunction.LeakyRelu => x >= 0f ? x : Alpha * x,
        _ => throw new NotSupportedException(Function.ToString()),
    };
}

/// <summary>The mean over height and width (GlobalAveragePool, ReduceMean over the spatial axes): HxWxC → 1x1xC.</summary>
public sealed class MeanLayer : FloatLayer
{
    public override string Kind => "Mean";

    public override TensorShape OutputShape(TensorShape input) => new(1, 1, input.C);
}
