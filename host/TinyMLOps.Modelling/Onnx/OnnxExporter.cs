using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx.Proto;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Quantization;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Modelling.Onnx;

/// <summary>
/// Choices of <see cref="OnnxExporter.ExportInt8"/>.
/// <para>
/// Operand encodings: each ConvInteger / MatMulInteger operand (activations, weights) goes in as int8, or
/// shifted by +128 to uint8 with its zero point shifted alike; Σ (x - xZp)(w - wZp) is the same integer
/// either way. ONNX Runtime 1.31's CPU provider accepts every combination for both ops (the tests check),
/// so the default keeps everything int8 like the runtime; <see cref="AllUInt8"/> is for runtimes that
/// implement only the uint8 kernels (the combination every implementation of these ops must support).
/// </para>
/// </summary>
public sealed record OnnxInt8ExportOptions
{
    public static OnnxInt8ExportOptions Default { get; } = new();

    /// <summary>Every integer-op operand shifted to uint8 (activation zero point + 128, weight zero point 128).</summary>
    public static OnnxInt8ExportOptions AllUInt8 { get; } = new()
    {
        ConvUInt8Activations = true,
        ConvUInt8Weights = true,
        MatMulUInt8Activations = true,
        MatMulUInt8Weights = true,
    };

    public bool ConvUInt8Activations { get; init; }

    public bool ConvUInt8Weights { get; init; }

    public bool MatMulUInt8Activations { get; init; }

    public bool MatMulUInt8Weights { get; init; }

    /// <summary>
    /// False (default): average pooling is Cast→AveragePool→round half away from zero→Cast on the raw int8
    /// values, which is exactly the kernel's integer average. True: DequantizeLinear→AveragePool→
    /// QuantizeLinear, whose round-half-to-even differs by one step on ties (about 10% of 2x2 windows).
    /// </summary>
    public bool AveragePoolViaQdq { get; init; }

    /// <summary>
    /// True: the model takes the source model's float input, in its recorded layout ([N,C,H,W], [N,H,W,C], [N,C,T] or
    /// [N,F]), quantizes it inside the graph exactly as the interpreter does (divide by the scale, round half away
    /// from zero, add the zero point, clamp), and gives dequantized float outputs; so the original and the int8 model
    /// run side by side on the same data. False (default): int8 in, int8 out.
    /// </summary>
    public bool FloatInterface { get; init; }

    /// <summary>
    /// True: every operator's int8 output and, where it has one, its int32 accumulator are graph outputs too, named
    /// <c>t{k}</c> and <c>acc{k}</c> for tensor k (operator k-1), NHWC-ordered like the runtime's arena; so one run of
    /// the exported model checks every layer of a graph against the interpreter.
    /// </summary>
    public bool ExposeIntermediates { get; init; }
}

/// <summary>
/// Writes models as ONNX (opset 13). <see cref="ExportFloat"/> gives a standard float NCHW model;
/// <see cref="ExportInt8"/> rebuilds the int8 runtime's computation from ONNX integer ops so another runtime
/// can check it; <see cref="ExportInt8Probe"/> isolates one layer with NHWC int8 input and its int32
/// accumulator as an output.
/// </summary>
public static class OnnxExporter
{
    public const int Opset = 13;

    /// <summary>The symbolic batch dimension of every exported input and output.</summary>
    public const string BatchDim = "N";

    public const string InputName = "input";
    public const string OutputName = "output";

    /// <summary>metadata_props key holding the class labels, one per line (read back by the importer).</summary>
    public const string LabelsMetadataKey = "tinymlops.labels";

    /// <summary>Probe models: the layer's int32 accumulator (bias + Σ (x - xZp) w), NHWC.</summary>
    public const string AccumulatorName = "accumulator";

    /// <summary>
    /// A float model as ONNX: input [N,C,H,W] (or [N,F] for a flat input), Conv / Gemm / Relu / Clip /
    /// MaxPool / AveragePool / Flatten / Softmax. Our Flatten is HWC-ordered, so a Transpose to NHWC comes
    /// before each ONNX Flatten. A model whose output is spatial gets it transposed to NHWC.
    /// </summary>
    public static ModelProto ExportFloat(FloatModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var b = new OnnxGraphBuilder(string.IsNullOrEmpty(model.Name) ? "model" : model.Name);
        TensorShape inShape = model.Input;
        bool flatInput = inShape.H == 1 && inShape.W == 1;
        string x = flatInput
            ? b.Input(InputName, OnnxDataType.Float, BatchDim, inShape.C)
            : b.Input(InputName, OnnxDataType.Float, BatchDim, inShape.C, inShape.H, inShape.W);
        int rank = flatInput ? 2 : 4;

        for (int li = 0; li < model.Layers.Count; li++)
        {
            FloatLayer layer = model.Layers[li];
            TensorShape s = model.Shapes[li];
            string p = $"l{li}_";
            switch (layer)
            {
                case Conv2DLayer c:
                    {
                        x = ToRank4(b, x, ref rank, s);
                        WindowSpec w = c.Window;
                        var wt = new float[c.Weights.Length];
                        for (int o = 0; o < c.OutChannels; o++)
                        {
                            for (int ky = 0; ky < w.KernelH; ky++)
                            {
                                for (int kx = 0; kx < w.KernelW; kx++)
                                {
                                    for (int i = 0; i < c.InChannels; i++)
                                    {
                                        wt[(((o * c.InChannels) + i) * w.KernelH + ky) * w.KernelW + kx] = c.Weights[(((o * w.KernelH) + ky) * w.KernelW + kx) * c.InChannels + i];
                                    }
                                }
                            }
                        }

                        string wName = b.Floats(p + "weight", wt, c.OutChannels, c.InChannels, w.KernelH, w.KernelW);
                        string bName = b.Floats(p + "bias", c.Bias, c.OutChannels);
                        x = b.Node("Conv", p + "conv", [x, wName, bName], WindowAttributes(w, group: 1));
                        x = FloatActivationNode(b, x, c.Activation, p);
                        break;
                    }

                case DepthwiseConv2DLayer d:
                    {
                        x = ToRank4(b, x, ref rank, s);
                        WindowSpec w = d.Window;
                        int outC = d.OutChannels;
                        var wt = new float[d.Weights.Length];
                        for (int oc = 0; oc < outC; oc++)
                        {
                            for (int k = 0; k < w.KernelH * w.KernelW; k++)
                            {
                                wt[(oc * w.KernelH * w.KernelW) + k] = d.Weights[(k * outC) + oc];
                            }
                        }

                        string wName = b.Floats(p + "weight", wt, outC, 1, w.KernelH, w.KernelW);
                        string bName = b.Floats(p + "bias", d.Bias, outC);
                        x = b.Node("Conv", p + "dwconv", [x, wName, bName], WindowAttributes(w, group: d.Channels));
                        x = FloatActivationNode(b, x, d.Activation, p);
                        break;
                    }

                case MaxPool2DLayer mp:
                    x = ToRank4(b, x, ref rank, s);
                    x = b.Node("MaxPool", p + "maxpool", [x], PoolAttributes(mp.Window));
                    break;
                case AveragePool2DLayer ap:
                    x = ToRank4(b, x, ref rank, s);
                    x = b.Node("AveragePool", p + "avgpool", [x], [.. PoolAttributes(ap.Window), AttributeProto.Int("count_include_pad", 0)]);
                    break;
                case FlattenLayer:
                    x = Flatten(b, x, ref rank, p);
                    break;
                case DenseLayer dense:
                    {
                        x = Flatten(b, x, ref rank, p);
                        string wName = b.Floats(p + "weight", dense.Weights, dense.Units, dense.Inputs);
                        string bName = b.Floats(p + "bias", dense.Bias, dense.Units);
                        x = b.Node("Gemm", p + "gemm", [x, wName, bName], AttributeProto.Int("transB", 1));
                        x = FloatActivationNode(b, x, dense.Activation, p);
                        break;
                    }

                case SoftmaxLayer:
                    x = b.Node("Softmax", p + "softmax", [x], AttributeProto.Int("axis", 1));
                    break;
                default:
                    throw new NotSupportedException($"layer {li} ({layer.Kind}) has no ONNX export");
            }
        }

        FinishOutput(b, x, rank, model.Output, OnnxDataType.Float);
        return WithLabels(b.ToModel(Opset, $"TinyMLOps float model '{model.Name}'"), model.Labels);
    }

    /// <summary>
    /// The int8 model as ONNX integer ops, input int8 [N,C,H,W] (or [N,F] for a flat input), output int8
    /// (NHWC-ordered when spatial, so its bytes line up with the runtime's output). Per layer:
    /// <list type="bullet">
    /// <item>Conv2D / DepthwiseConv2D (group = C) / FullyConnected: ConvInteger or MatMulInteger with the
    /// input zero point, + int32 bias = the kernel's accumulator; then the kernel's single-rounding requantization
    /// in int64 (Mul, Add, Mod, Sub, Div, Max/Min; see Requantize) and the fused activation as an integer clamp.</item>
    /// <item>MaxPool2D: MaxPool on int8. AveragePool2D: see <see cref="OnnxInt8ExportOptions.AveragePoolViaQdq"/>.
    /// A pooling layer's fused activation is an int8 Clip to the kernel's bounds.</item>
    /// <item>Reshape: Transpose to NHWC, then Flatten (or Reshape and back to NCHW for a spatial target).</item>
    /// <item>Softmax: DequantizeLinear, Softmax, QuantizeLinear(1/256, -128).</item>
    /// </list>
    /// The model is prepared (validated) first.
    /// </summary>
    public static ModelProto ExportInt8(Int8Model model, OnnxInt8ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Prepare();
        var e = new Int8Emitter(new OnnxGraphBuilder(model.ModelId ?? "int8"), options ?? OnnxInt8ExportOptions.Default);
        bool flatInput = model.InputH == 1 && model.InputW == 1;
        string x = e.Options.FloatInterface
            ? QuantizedFloatInput(e.B, model, flatInput)
            : flatInput
                ? e.B.Input(InputName, OnnxDataType.Int8, BatchDim, model.InputC)
                : e.B.Input(InputName, OnnxDataType.Int8, BatchDim, model.InputC, model.InputH, model.InputW);
        // Tensor k's ONNX value and rank: 0 the input, k operator k-1's output (docs/model-format.md, "Graph").
        int count = model.Operators.Length;
        var names = new string[count + 1];
        var ranks = new int[count + 1];
        names[0] = x;
        ranks[0] = flatInput ? 2 : 4;
        for (int i = 0; i < count; i++)
        {
            Operator op = model.Operators[i];
            if (op.InputCount != 1)
            {
                int[] ids = [.. Enumerable.Range(0, op.InputCount).Select(k => model.InputIdOf(i, k))];
                int merged = 0;
                names[i + 1] = e.EmitMerge(op, $"l{i}_", [.. ids.Select(id => names[id])], [.. ids.Select(id => ranks[id])], ref merged);
                ranks[i + 1] = merged;
                Expose(e, op, i + 1, names[i + 1], null, merged);
                continue;
            }

            int from = model.InputIdOf(i, 0);
            int rank = ranks[from];
            names[i + 1] = e.Emit(op, $"l{i}_", names[from], ref rank, out string? acc);
            ranks[i + 1] = rank;
            Expose(e, op, i + 1, names[i + 1], acc, rank);
        }

        Operator last = model.Output;
        var outShape = new TensorShape(last.OutH, last.OutW, last.OutC);
        if (e.Options.FloatInterface)
        {
            string q = FinishOutput(e.B, names[count], ranks[count], outShape, OnnxDataType.Int8, "output_int8", register: false);
            string y = e.B.Node("DequantizeLinear", OutputName, [q, e.B.FloatScalar("output_scale", last.OutScale), e.B.Int8Scalar("output_zero_point", last.OutZeroPoint)]);
            e.B.Output(y, OnnxDataType.Float, [BatchDim, .. OutputDims(ranks[count], outShape)]);
        }
        else
        {
            FinishOutput(e.B, names[count], ranks[count], outShape, OnnxDataType.Int8);
        }
        return WithLabels(e.B.ToModel(Opset, $"TinyMLOps int8 model '{model.ModelId}' ({Describe(e.Options)})"), model.Labels ?? []);
    }

    /// <summary>
    /// One layer alone: input int8 [N,H,W,C] (the layer's input in the runtime's NHWC order), outputs
    /// <see cref="OutputName"/> int8 [N,H,W,C] and, for layers with one, <see cref="AccumulatorName"/>
    /// int32 [N,H,W,C].
    /// </summary>
    public static ModelProto ExportInt8Probe(Int8Model model, int layer, OnnxInt8ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Prepare();
        if (layer < 0 || layer >= model.Operators.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"the model has {model.Operators.Length} layers");
        }

        Operator op = model.Operators[layer];
        var e = new Int8Emitter(new OnnxGraphBuilder($"{model.ModelId}_layer{layer}"), options ?? OnnxInt8ExportOptions.Default);
        string input = e.B.Input(InputName, OnnxDataType.Int8, BatchDim, op.InH, op.InW, op.InC);
        string x;
        int rank;
        if (op.InH == 1 && op.InW == 1)
        {
            x = e.B.Node("Flatten", "x_flat", [input], AttributeProto.Int("axis", 1));
            rank = 2;
        }
        else
        {
            x = e.B.Node("Transpose", "x_nchw", [input], AttributeProto.IntList("perm", 0, 3, 1, 2));
            rank = 4;
        }

        int outRank = rank;
        string y = e.Emit(op, "", x, ref outRank, out string? acc);
        var outShape = new TensorShape(op.OutH, op.OutW, op.OutC);
        if (acc != null)
        {
            e.B.Output(ToNhwc(e.B, acc, outRank, outShape, AccumulatorName), OnnxDataType.Int32, BatchDim, op.OutH, op.OutW, op.OutC);
        }

        e.B.Output(ToNhwc(e.B, y, outRank, outShape, OutputName), OnnxDataType.Int8, BatchDim, op.OutH, op.OutW, op.OutC);
        return e.B.ToModel(Opset, $"TinyMLOps probe of layer {layer} ({op.Name}) of '{model.ModelId}' ({Describe(e.Options)})");
    }

    private static ModelProto WithLabels(ModelProto model, IReadOnlyList<string> labels)
    {
        if (labels.Count > 0)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = LabelsMetadataKey, Value = string.Join('\n', labels) });
        }

        return model;
    }

    private static string Describe(OnnxInt8ExportOptions e) =>
        $"average pool {(e.AveragePoolViaQdq ? "via QDQ" : "exact")}, ConvInteger {(e.ConvUInt8Activations ? "u8" : "i8")}x{(e.ConvUInt8Weights ? "u8" : "i8")}, MatMulInteger {(e.MatMulUInt8Activations ? "u8" : "i8")}x{(e.MatMulUInt8Weights ? "u8" : "i8")}";

    private static AttributeProto[] WindowAttributes(WindowSpec w, int group) =>
    [
        AttributeProto.IntList("kernel_shape", w.KernelH, w.KernelW),
        AttributeProto.IntList("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight),
        AttributeProto.IntList("strides", w.StrideH, w.StrideW),
        AttributeProto.IntList("dilations", 1, 1),
        AttributeProto.Int("group", group),
    ];

    private static AttributeProto[] PoolAttributes(WindowSpec w) =>
    [
        AttributeProto.IntList("kernel_shape", w.KernelH, w.KernelW),
        AttributeProto.IntList("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight),
        AttributeProto.IntList("strides", w.StrideH, w.StrideW),
    ];

    private static string FloatActivationNode(OnnxGraphBuilder b, string x, FloatActivation act, string p) => act switch
    {
        FloatActivation.Relu => b.Node("Relu", p + "relu", [x]),
        FloatActivation.Relu6 => b.Node("Clip", p + "relu6", [x, b.FloatScalar(p + "min", 0f), b.FloatScalar(p + "max", 6f)]),
        _ => x,
    };

    /// <summary>NCHW flatten in our HWC order: Transpose to NHWC, then Flatten.</summary>
    private static string Flatten(OnnxGraphBuilder b, string x, ref int rank, string p)
    {
        if (rank == 2)
        {
            return x;
        }

        string t = b.Node("Transpose", p + "nhwc", [x], AttributeProto.IntList("perm", 0, 2, 3, 1));
        rank = 2;
        return b.Node("Flatten", p + "flatten", [t], AttributeProto.Int("axis", 1));
    }

    private static string ToRank4(OnnxGraphBuilder b, string x, ref int rank, TensorShape s)
    {
        if (rank == 4)
        {
            return x;
        }

        // A flat (1x1xC) tensor as [N,C,1,1].
        rank = 4;
        return b.Node("Reshape", "as_nchw", [x, b.Int64s("shape", 0, s.C, s.H, s.W)]);
    }

    /// <summary>Rank-4 NCHW becomes [N,H,W,C] (our byte order); rank 2 stays [N,C] unless the shape is spatial.</summary>
    private static string FinishOutput(OnnxGraphBuilder b, string x, int rank, TensorShape shape, OnnxDataType type, string name = OutputName, bool register = true)
    {
        string y = rank == 4 && !(shape.H == 1 && shape.W == 1)
            ? b.Node("Transpose", name, [x], AttributeProto.IntList("perm", 0, 2, 3, 1))
            : b.Node(rank == 4 ? "Flatten" : "Identity", name, [x], rank == 4 ? [AttributeProto.Int("axis", 1)] : []);
        if (register)
        {
            b.Output(y, type, [BatchDim, .. OutputDims(rank, shape)]);
        }

        return y;
    }

    private static object[] OutputDims(int rank, TensorShape shape) =>
        rank == 4 && !(shape.H == 1 && shape.W == 1) ? [shape.H, shape.W, shape.C] : [shape.C];

    /// <summary>
    /// The float input in the model's recorded layout, quantized as <see cref="QuantMath.Quantize"/> does (round half
    /// away from zero, clamp), and brought to the int8 graph's own input form ([N,C,H,W], or [N,F] when 1x1xF).
    /// </summary>
    private static string QuantizedFloatInput(OnnxGraphBuilder b, Int8Model model, bool flat)
    {
        int h = model.InputH, w = model.InputW, c = model.InputC;
        string x = model.InputLayout switch
        {
            InputLayout.Features => b.Input(InputName, OnnxDataType.Float, BatchDim, c),
            InputLayout.Nct => b.Input(InputName, OnnxDataType.Float, BatchDim, c, w),
            InputLayout.Nhwc => b.Input(InputName, OnnxDataType.Float, BatchDim, h, w, c),
            _ when flat => b.Input(InputName, OnnxDataType.Float, BatchDim, c),
            _ => b.Input(InputName, OnnxDataType.Float, BatchDim, c, h, w),
        };
        if (model.FrontEnd is Normalize normalize)
        {
            x = Normalized(b, x, normalize, model);
        }

        string v = b.Node("Div", "input_scaled", [x, b.FloatScalar("input_scale", model.InputScale)]);
        string magnitude = b.Node("Floor", "input_rounded_abs", [b.Node("Add", "input_abs_half", [b.Node("Abs", "input_abs", [v]), b.FloatScalar("half", 0.5f)])]);
        v = b.Node("Mul", "input_rounded", [magnitude, b.Node("Sign", "input_sign", [v])]);
        v = b.Node("Add", "input_shifted", [v, b.FloatScalar("input_zero_point", model.InputZeroPoint)]);
        v = b.Node("Clip", "input_clamped", [v, b.FloatScalar("int8_min", QuantMath.Int8Min), b.FloatScalar("int8_max", QuantMath.Int8Max)]);
        string q = b.Node("Cast", "input_int8", [v], AttributeProto.Int("to", (long)OnnxDataType.Int8));
        return model.InputLayout switch
        {
            InputLayout.Nhwc when !flat => b.Node("Transpose", "input_nchw", [q], AttributeProto.IntList("perm", 0, 3, 1, 2)),
            InputLayout.Nct when !flat => b.Node("Reshape", "input_nc1t", [q, b.Int64s("input_shape", 0, c, 1, w)]),
            InputLayout.Nhwc or InputLayout.Nct => b.Node("Reshape", "input_flat", [q, b.Int64s("input_shape", 0, c)]),
            _ => q,
        };
    }

    /// <summary>
    /// The normalize front-end on the raw float input, as the device computes it: a missing value (NaN) becomes the
    /// offset, then (x − offset) / scale per feature, in float. Offsets and scales are laid out in the input's own order.
    /// </summary>
    private static string Normalized(OnnxGraphBuilder b, string x, Normalize normalize, Int8Model model)
    {
        int h = model.InputH, w = model.InputW, c = model.InputC;
        var offsets = new float[h * w * c];
        var scales = new float[h * w * c];
        bool flat = h == 1 && w == 1;
        for (int y = 0; y < h; y++)
        {
            for (int xx = 0; xx < w; xx++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    int hwc = (((y * w) + xx) * c) + ch;
                    int k = normalize.Offset.Length == c ? ch : hwc;
                    int at = model.InputLayout == InputLayout.Nhwc || flat ? hwc : (((ch * h) + y) * w) + xx;
                    offsets[at] = normalize.Offset[k];
                    scales[at] = normalize.Scale[k];
                }
            }
        }

        long[] dims = model.InputLayout switch
        {
            _ when flat => [c],
            InputLayout.Nhwc => [h, w, c],
            InputLayout.Nct => [c, w],
            _ => [c, h, w],
        };
        string offset = b.Floats("frontend_offset", offsets, dims);
        string filled = b.Node("Where", "frontend_filled", [b.Node("IsNaN", "frontend_missing", [x]), offset, x]);
        string centered = b.Node("Sub", "frontend_centered", [filled, offset]);
        return b.Node("Div", "frontend_scaled", [centered, b.Floats("frontend_scale", scales, dims)]);
    }

    /// <summary>Tensor k's int8 value and accumulator as extra outputs, when the options ask for them.</summary>
    private static void Expose(Int8Emitter e, Operator op, int tensor, string value, string? acc, int rank)
    {
        if (!e.Options.ExposeIntermediates)
        {
            return;
        }

        var shape = new TensorShape(op.OutH, op.OutW, op.OutC);
        e.B.Output(ToNhwc(e.B, value, rank, shape, $"t{tensor}"), OnnxDataType.Int8, BatchDim, op.OutH, op.OutW, op.OutC);
        if (acc != null)
        {
            e.B.Output(ToNhwc(e.B, acc, rank, shape, $"acc{tensor}"), OnnxDataType.Int32, BatchDim, op.OutH, op.OutW, op.OutC);
        }
    }

    private static string ToNhwc(OnnxGraphBuilder b, string x, int rank, TensorShape s, string name) => rank == 4
        ? b.Node("Transpose", name, [x], AttributeProto.IntList("perm", 0, 2, 3, 1))
        : b.Node("Reshape", name, [x, b.Int64s(name + "_shape", 0, s.H, s.W, s.C)]);

    /// <summary>Emits the ONNX nodes of one int8 operator.</summary>
    private sealed class Int8Emitter(OnnxGraphBuilder builder, OnnxInt8ExportOptions options)
    {
        public OnnxGraphBuilder B { get; } = builder;

        public OnnxInt8ExportOptions Options { get; } = options;

        /// <summary>Emits op on x (int8, NCHW when rank 4, [N,C] when rank 2); acc is its int32 accumulator, if any.</summary>
        public string Emit(Operator op, string p, string x, ref int rank, out string? acc)
        {
            acc = null;
            switch (op)
            {
                case Conv2D c:
                    x = Rank4(x, ref rank, op);
                    acc = ConvAccumulator(p, x, op, c.Window, 1, OihwFromOhwi(c), c.Bias);
                    return Requantize(p, acc, op, c.WeightScales, rank);
                case DepthwiseConv2D d:
                    x = Rank4(x, ref rank, op);
                    acc = ConvAccumulator(p, x, op, d.Window, op.InC, OihwFromDepthwise(d), d.Bias);
                    return Requantize(p, acc, op, d.WeightScales, rank);
                case FullyConnected fc:
                    x = Rank2(x, ref rank, p);
                    acc = DenseAccumulator(p, x, fc);
                    return Requantize(p, acc, op, fc.WeightScales, rank);
                case MaxPool2D mp:
                    x = Rank4(x, ref rank, op);
                    x = B.Node("MaxPool", p + "maxpool", [x], PoolAttributes(ToSpec(mp.Window)));
                    return ClampInt8(p, x, op);
                case AveragePool2D ap:
                    x = Rank4(x, ref rank, op);
                    x = Options.AveragePoolViaQdq ? AveragePoolQdq(p, x, ap) : AveragePoolExact(p, x, ap);
                    return ClampInt8(p, x, op);
                case Reshape:
                    return ReshapeInt8(p, x, ref rank, op);
                case Softmax:
                    {
                        string f = B.Node("DequantizeLinear", p + "dq", [x, B.FloatScalar(p + "in_scale", op.InScale), B.Int8Scalar(p + "in_zero_point", op.InZeroPoint)]);
                        f = B.Node("Softmax", p + "softmax", [f], AttributeProto.Int("axis", 1));
                        return B.Node("QuantizeLinear", p + "q", [f, B.FloatScalar(p + "out_scale", op.OutScale), B.Int8Scalar(p + "out_zero_point", op.OutZeroPoint)]);
                    }

                case Lookup l:
                    return TableLookup(p, x, l.Table, l.TableOffset);
                case Pad pad:
                    x = Rank4(x, ref rank, op);
                    return B.Node("Pad", p + "pad", [x, B.Int64s(p + "pads", 0, 0, pad.PadTop, pad.PadLeft, 0, 0, pad.PadBottom, pad.PadRight), B.Int8Scalar(p + "value", op.InZeroPoint)], AttributeProto.String("mode", "constant"));
                case Mean:
                    {
                        x = Rank4(x, ref rank, op);
                        int n = op.InH * op.InW;
                        QuantMath.PrepareMean(op.InScale, op.OutScale, n, out int m, out int shift);
                        string sum = B.Node("ReduceSum", p + "sum", [B.Node("Cast", p + "x_i32", [x], AttributeProto.Int("to", (long)OnnxDataType.Int32)), B.Int64s(p + "axes", 2, 3)], AttributeProto.Int("keepdims", 1));
                        sum = B.Node("Sub", p + "centred", [sum, Int32Scalar(p + "n_zp", n * op.InZeroPoint)]);
                        return RequantizeWith(p, sum, op, [m], [shift], []);
                    }

                default:
                    throw new NotSupportedException($"no ONNX export for int8 operator {op.Name}");
            }
        }

        /// <summary>
        /// An operator that reads several tensors (Add, Mul, Concat), each given as its ONNX value and rank; the
        /// same integers as the kernel (term tables, products, requantization tables, one rounding).
        /// </summary>
        public string EmitMerge(Operator op, string p, string[] xs, int[] ranks, ref int rank)
        {
            // One rank for all inputs: NCHW when any is spatial (a 1x1xC input becomes [N,C,1,1] and broadcasts).
            rank = ranks.Max();
            for (int k = 0; k < xs.Length; k++)
            {
                if (ranks[k] != rank)
                {
                    TensorSpec t = op.Inputs[k];
                    xs[k] = B.Node("Reshape", p + "as_nchw", [xs[k], B.Int64s(p + "shape", 0, t.C, t.H, t.W)]);
                }
            }

            switch (op)
            {
                case Add:
                    {
                        QuantMath.PrepareAdd(op.Inputs[0].Scale, op.Inputs[1].Scale, op.OutScale, out int m1, out int s1, out int m2, out int s2, out int m, out int shift);
                        string a = B.Node("Gather", p + "term1", [B.Initializer(TensorProto.FromInt32s(p + "terms1", [256], Terms(op.Inputs[0].ZeroPoint, m1, s1))), TableIndex(p + "i1_", xs[0])]);
                        string b = B.Node("Gather", p + "term2", [B.Initializer(TensorProto.FromInt32s(p + "terms2", [256], Terms(op.Inputs[1].ZeroPoint, m2, s2))), TableIndex(p + "i2_", xs[1])]);
                        return RequantizeWith(p, B.Node("Add", p + "sum", [a, b]), op, [m], [shift], []);
                    }

                case Mul:
                    {
                        QuantMath.PrepareMul(op.Inputs[0].Scale, op.Inputs[1].Scale, op.OutScale, out int m, out int shift);
                        string a = B.Node("Sub", p + "x1", [B.Node("Cast", p + "x1_i32", [xs[0]], AttributeProto.Int("to", (long)OnnxDataType.Int32)), Int32Scalar(p + "zp1", op.Inputs[0].ZeroPoint)]);
                        string b = B.Node("Sub", p + "x2", [B.Node("Cast", p + "x2_i32", [xs[1]], AttributeProto.Int("to", (long)OnnxDataType.Int32)), Int32Scalar(p + "zp2", op.Inputs[1].ZeroPoint)]);
                        return RequantizeWith(p, B.Node("Mul", p + "product", [a, b]), op, [m], [shift], []);
                    }

                case Concat c:
                    {
                        var parts = new string[xs.Length];
                        for (int k = 0; k < xs.Length; k++)
                        {
                            TensorSpec t = op.Inputs[k];
                            if (t.Scale == op.OutScale && t.ZeroPoint == op.OutZeroPoint)
                            {
                                parts[k] = xs[k];
                                continue;
                            }

                            var table = new sbyte[256];
                            QuantMath.FillRequantizeTable(table, t.Scale, t.ZeroPoint, op.OutScale, op.OutZeroPoint);
                            parts[k] = TableLookup(p + "in" + k + "_", xs[k], (byte[])(Array)table, 0);
                        }

                        long axis = rank == 2 ? 1 : c.Axis switch { 0 => 2, 1 => 3, _ => 1 };
                        return B.Node("Concat", p + "concat", parts, AttributeProto.Int("axis", axis));
                    }

                default:
                    throw new NotSupportedException($"no ONNX export for int8 operator {op.Name} with {xs.Length} inputs");
            }
        }

        /// <summary>int8 x → table[x + 128], exactly the kernel's lookup.</summary>
        private string TableLookup(string p, string x, byte[] table, int offset)
        {
            var values = new sbyte[256];
            Buffer.BlockCopy(table, offset, values, 0, 256);
            return B.Node("Gather", p + "lookup", [B.Initializer(TensorProto.FromInt8s(p + "table", [256], values)), TableIndex(p, x)]);
        }

        /// <summary>The int32 index x + 128 of an int8 tensor into a 256-entry table.</summary>
        private string TableIndex(string p, string x) =>
            B.Node("Add", p + "index", [B.Node("Cast", p + "x_i32", [x], AttributeProto.Int("to", (long)OnnxDataType.Int32)), Int32Scalar(p + "offset", 128)]);

        private string Int32Scalar(string name, int value) => B.Initializer(TensorProto.FromInt32s(name, [], [value]));

        private static int[] Terms(int zeroPoint, int multiplier, int shift)
        {
            var terms = new int[256];
            for (int v = 0; v < 256; v++)
            {
                terms[v] = QuantMath.AddTerm(v - 128, zeroPoint, multiplier, shift);
            }

            return terms;
        }

        /// <summary>The kernel's integer average: mean of the raw int8 values, rounded half away from zero.</summary>
        private string AveragePoolExact(string p, string x, AveragePool2D ap)
        {
            string f = B.Node("Cast", p + "x_f", [x], AttributeProto.Int("to", (long)OnnxDataType.Float));
            f = B.Node("AveragePool", p + "avgpool", [f], [.. PoolAttributes(ToSpec(ap.Window)), AttributeProto.Int("count_include_pad", 0)]);
            string magnitude = B.Node("Abs", p + "abs", [f]);
            magnitude = B.Node("Add", p + "abs_half", [magnitude, B.FloatScalar(p + "half", 0.5f)]);
            magnitude = B.Node("Floor", p + "rounded_abs", [magnitude]);
            string rounded = B.Node("Mul", p + "rounded", [magnitude, B.Node("Sign", p + "sign", [f])]);
            return B.Node("Cast", p + "avg", [rounded], AttributeProto.Int("to", (long)OnnxDataType.Int8));
        }

        private string AveragePoolQdq(string p, string x, AveragePool2D ap)
        {
            string scale = B.FloatScalar(p + "scale", ap.InScale);
            string zp = B.Int8Scalar(p + "zero_point", ap.InZeroPoint);
            string f = B.Node("DequantizeLinear", p + "dq", [x, scale, zp]);
            f = B.Node("AveragePool", p + "avgpool", [f], [.. PoolAttributes(ToSpec(ap.Window)), AttributeProto.Int("count_include_pad", 0)]);
            return B.Node("QuantizeLinear", p + "q", [f, scale, zp]);
        }

        private static WindowSpec ToSpec(Window w) => new(w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight);

        private string Rank4(string x, ref int rank, Operator op)
        {
            if (rank == 4)
            {
                return x;
            }

            rank = 4;
            return B.Node("Reshape", "as_nchw", [x, B.Int64s("shape", 0, op.InC, op.InH, op.InW)]);
        }

        private string Rank2(string x, ref int rank, string p)
        {
            if (rank == 2)
            {
                return x;
            }

            // Only reached with a 1x1xC input, where NCHW and NHWC flatten alike.
            rank = 2;
            return B.Node("Flatten", p + "flat", [x], AttributeProto.Int("axis", 1));
        }

        /// <summary>int8 → uint8 with the same meaning: cast up, add 128, cast down (exact, no saturation).</summary>
        private string ShiftToUInt8(string p, string x)
        {
            string i32 = B.Node("Cast", p + "x_i32", [x], AttributeProto.Int("to", (long)OnnxDataType.Int32));
            string shifted = B.Node("Add", p + "x_plus128", [i32, B.Initializer(TensorProto.FromInt32s(p + "c128", [], [128]))]);
            return B.Node("Cast", p + "x_u8", [shifted], AttributeProto.Int("to", (long)OnnxDataType.Uint8));
        }

        private (string Weights, string ZeroPoint) WeightTensor(string p, sbyte[] w, long[] dims, bool asUInt8)
        {
            if (asUInt8)
            {
                var u = new byte[w.Length];
                for (int i = 0; i < w.Length; i++)
                {
                    u[i] = (byte)(w[i] + 128);
                }

                return (B.Initializer(TensorProto.FromUInt8s(p + "weight_u8", dims, u)), B.UInt8Scalar(p + "weight_zero_point", 128));
            }

            return (B.Initializer(TensorProto.FromInt8s(p + "weight", dims, w)), B.Int8Scalar(p + "weight_zero_point", 0));
        }

        private (string X, string ZeroPoint) ActivationOperand(string p, string x, int zeroPoint, bool asUInt8) => asUInt8
            ? (ShiftToUInt8(p, x), B.UInt8Scalar(p + "x_zero_point", zeroPoint + 128))
            : (x, B.Int8Scalar(p + "x_zero_point", zeroPoint));

        private string ConvAccumulator(string p, string x, Operator op, Window win, int group, sbyte[] oihw, int[] bias)
        {
            long[] dims = [op.OutC, op.InC / group, win.KernelH, win.KernelW];
            (string xq, string xzp) = ActivationOperand(p, x, op.InZeroPoint, Options.ConvUInt8Activations);
            (string w, string wzp) = WeightTensor(p, oihw, dims, Options.ConvUInt8Weights);
            string sum = B.Node("ConvInteger", p + "conv", [xq, w, xzp, wzp], WindowAttributes(ToSpec(win), group));
            return B.Node("Add", p + "acc", [sum, B.Initializer(TensorProto.FromInt32s(p + "bias", [op.OutC, 1, 1], bias))]);
        }

        private string DenseAccumulator(string p, string x, FullyConnected fc)
        {
            int inputs = fc.InC;
            int units = fc.OutC;
            var kn = new sbyte[inputs * units];
            for (int o = 0; o < units; o++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    kn[(i * units) + o] = (sbyte)fc.Weights[fc.WeightsOffset + (o * inputs) + i];
                }
            }

            (string xq, string xzp) = ActivationOperand(p, x, fc.InZeroPoint, Options.MatMulUInt8Activations);
            (string w, string wzp) = WeightTensor(p, kn, [inputs, units], Options.MatMulUInt8Weights);
            string sum = B.Node("MatMulInteger", p + "matmul", [xq, w, xzp, wzp]);
            return B.Node("Add", p + "acc", [sum, B.Initializer(TensorProto.FromInt32s(p + "bias", [units], fc.Bias))]);
        }

        /// <summary>
        /// The kernel's requantization in int64, the same integers as <see cref="QuantMath.MultiplyByQuantizedMultiplier"/>:
        /// accumulator × multiplier[c] + 2^(t-1), floor-divided by 2^t (t = 31 - shift[c]; Mod with fmod 0 is a floor
        /// modulo, so the Div is exact), saturated like the kernel, + output zero point, clamped to the fused
        /// activation's int8 range, Cast to int8.
        /// </summary>
        private string Requantize(string p, string acc, Operator op, float[] weightScales, int rank)
        {
            int n = weightScales.Length;
            var multipliers = new int[n];
            var shifts = new int[n];
            for (int c = 0; c < n; c++)
            {
                QuantMath.QuantizeChannelMultiplier(op.InScale, weightScales[c], op.OutScale, out multipliers[c], out shifts[c]);
            }

            return RequantizeWith(p, acc, op, multipliers, shifts, rank == 4 ? [n, 1, 1] : [n]);
        }

        /// <summary>
        /// <see cref="QuantMath.MultiplyByQuantizedMultiplier"/> on an int32 tensor with per-channel (dims [C] or [C,1,1])
        /// or scalar (dims []) constants, then + output zero point, the fused activation's clamp, Cast to int8.
        /// </summary>
        private string RequantizeWith(string p, string acc, Operator op, int[] multipliers, int[] shifts, long[] dims)
        {
            int n = multipliers.Length;
            var m64 = new long[n];
            var rounding = new long[n];
            var divisors = new long[n];
            for (int c = 0; c < n; c++)
            {
                int m = multipliers[c];
                int total = 31 - shifts[c];
                if (total > 62)
                {
                    // The kernel gives 0: so do (0 + 1) floor-divided by 2.
                    (m, total) = (0, 1);
                }

                m64[c] = m;
                rounding[c] = 1L << (total - 1);
                divisors[c] = 1L << total;
            }

            string a = B.Node("Cast", p + "acc_i64", [acc], AttributeProto.Int("to", (long)OnnxDataType.Int64));
            a = B.Node("Mul", p + "scaled", [a, B.Initializer(TensorProto.FromInt64s(p + "multiplier", dims, m64))]);
            a = B.Node("Add", p + "rounded", [a, B.Initializer(TensorProto.FromInt64s(p + "rounding", dims, rounding))]);
            string divisor = B.Initializer(TensorProto.FromInt64s(p + "divisor", dims, divisors));
            string remainder = B.Node("Mod", p + "remainder", [a, divisor], AttributeProto.Int("fmod", 0));
            a = B.Node("Div", p + "requantized", [B.Node("Sub", p + "floored", [a, remainder]), divisor]);
            a = B.Node("Max", p + "sat_lo", [a, B.Int64Scalar(p + "sat_min", -QuantMath.RequantizeLimit)]);
            a = B.Node("Min", p + "sat_hi", [a, B.Int64Scalar(p + "sat_max", QuantMath.RequantizeLimit)]);
            a = B.Node("Add", p + "shifted", [a, B.Int64Scalar(p + "out_zero_point", op.OutZeroPoint)]);
            QuantMath.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out int min, out int max);
            a = B.Node("Max", p + "act_lo", [a, B.Int64Scalar(p + "act_min", min)]);
            a = B.Node("Min", p + "act_hi", [a, B.Int64Scalar(p + "act_max", max)]);
            return B.Node("Cast", p + "q", [a], AttributeProto.Int("to", (long)OnnxDataType.Int8));
        }

        /// <summary>A pooling layer's fused activation, clamped in the int8 domain exactly like the kernel.</summary>
        private string ClampInt8(string p, string x, Operator op)
        {
            QuantMath.ActivationRange(op.FusedActivation, op.OutScale, op.OutZeroPoint, out int min, out int max);
            if (min == QuantMath.Int8Min && max == QuantMath.Int8Max)
            {
                return x;
            }

            return B.Node("Clip", p + "clamp", [x, B.Int8Scalar(p + "min", min), B.Int8Scalar(p + "max", max)]);
        }

        /// <summary>Reshape acts on the runtime's HWC bytes: go to NHWC, reshape, and back to NCHW when spatial.</summary>
        private string ReshapeInt8(string p, string x, ref int rank, Operator op)
        {
            bool flatOut = op.OutH == 1 && op.OutW == 1;
            if (rank == 4)
            {
                x = B.Node("Transpose", p + "nhwc", [x], AttributeProto.IntList("perm", 0, 2, 3, 1));
            }

            if (flatOut)
            {
                rank = 2;
                return B.Node("Flatten", p + "flatten", [x], AttributeProto.Int("axis", 1));
            }

            rank = 4;
            string r = B.Node("Reshape", p + "reshape", [x, B.Int64s(p + "shape", 0, op.OutH, op.OutW, op.OutC)]);
            return B.Node("Transpose", p + "nchw", [r], AttributeProto.IntList("perm", 0, 3, 1, 2));
        }

        private static sbyte[] OihwFromOhwi(Conv2D c)
        {
            Window w = c.Window;
            int inC = c.InC;
            var t = new sbyte[c.OutC * w.KernelH * w.KernelW * inC];
            for (int o = 0; o < c.OutC; o++)
            {
                for (int ky = 0; ky < w.KernelH; ky++)
                {
                    for (int kx = 0; kx < w.KernelW; kx++)
                    {
                        for (int i = 0; i < inC; i++)
                        {
                            t[(((o * inC) + i) * w.KernelH + ky) * w.KernelW + kx] = (sbyte)c.Weights[c.WeightsOffset + ((((o * w.KernelH) + ky) * w.KernelW + kx) * inC) + i];
                        }
                    }
                }
            }

            return t;
        }

        private static sbyte[] OihwFromDepthwise(DepthwiseConv2D d)
        {
            Window w = d.Window;
            int outC = d.OutC;
            int k = w.KernelH * w.KernelW;
            var t = new sbyte[outC * k];
            for (int oc = 0; oc < outC; oc++)
            {
                for (int j = 0; j < k; j++)
                {
                    t[(oc * k) + j] = (sbyte)d.Weights[d.WeightsOffset + (j * outC) + oc];
                }
            }

            return t;
        }
    }
}
