using System.Globalization;
using Google.Protobuf.Collections;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx.Proto;
using TinyMLOps.Shared.Model;
using AttributeType = TinyMLOps.Modelling.Onnx.Proto.AttributeProto.Types.AttributeType;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Modelling.Onnx;

/// <summary>
/// Reads a float ONNX model, as PyTorch or Keras (tf2onnx) export them, into a sequential HWC
/// <see cref="FloatModel"/>. The graph must be a chain: one input ([N,C,H,W], [N,H,W,C] followed by a
/// Transpose to NCHW, or [N,F]), one output, each node consuming the previous one's activation plus
/// constants (initializers or Constant nodes).
/// <para>
/// Supported: Conv (group 1 or depthwise group = C, dilations 1), Gemm (transA 0, transB 0/1, alpha = beta = 1),
/// MatMul (+ Add as bias), Relu / Clip(0, 6) / Clip(0, ∞) fused into the preceding Conv or dense layer,
/// BatchNormalization folded into it, MaxPool, AveragePool (count_include_pad 0), GlobalAveragePool,
/// GlobalMaxPool, Flatten, Reshape to [N,-1] (including PyTorch's Shape→Gather→Unsqueeze→Concat pattern),
/// Transpose between NCHW and NHWC, Softmax, and Identity / Dropout (skipped).
/// </para>
/// <para>
/// Layouts: OIHW filters become OHWI, depthwise filters [kh][kw][C·m]; since ONNX flattens CHW while our
/// Flatten is HWC-ordered, the columns of the dense layer after a flatten are permuted to match.
/// Malformed files raise <see cref="OnnxFormatException"/>; valid files outside this subset raise
/// <see cref="OnnxUnsupportedException"/> naming the node.
/// </para>
/// </summary>
public static class OnnxImporter
{
    public static FloatModel Import(byte[] onnx, string? name = null, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        return Import(ModelProto.Parse(onnx), name, labels);
    }

    public static FloatModel ImportFile(string path, IReadOnlyList<string>? labels = null) =>
        Import(File.ReadAllBytes(path), Path.GetFileNameWithoutExtension(path), labels);

    public static FloatModel Import(ModelProto model, string? name = null, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new GraphImporter(model).Run(name, labels);
    }

    private enum Layout
    {
        Nchw,
        Nhwc,
        Flat,

        /// <summary>[N,C,T], PyTorch's 1-D layout: our tensor 1 x T x C, handled as NCHW with H = 1.</summary>
        Nct,
    }

    /// <summary>A value in the graph: either an activation (the chain) or a constant.</summary>
    private abstract class Value
    {
    }

    /// <summary>
    /// An activation: the model input or a layer's output (Tensor: 0 the input, k layer k-1's output). H, W, C are
    /// the tensor's sizes (a flat tensor is 1x1xF); Perm maps ONNX flat index → our flat index after an NCHW
    /// flatten (null = identity); Producer is the layer whose raw output this is, while an activation, bias or
    /// batch norm may still be folded into it (only while this node is its one consumer).
    /// </summary>
    private sealed class Act(Layout layout, int h, int w, int c, int[]? perm, FloatLayer? producer) : Value
    {
        public Layout Layout { get; } = layout;

        public int H { get; } = h;

        public int W { get; } = w;

        public int C { get; } = c;

        public int[]? Perm { get; } = perm;

        public FloatLayer? Producer { get; } = producer;

        public int Tensor { get; set; }

        public TensorShape Shape => new(H, W, C);

        public Act With(FloatLayer? producer) => new(Layout, H, W, C, Perm, producer) { Tensor = Tensor };

        public string Describe() => Layout switch
        {
            Layout.Nchw => $"[N,{C},{H},{W}] (NCHW)",
            Layout.Nct => $"[N,{C},{W}] (NCT)",
            Layout.Nhwc => $"[N,{H},{W},{C}] (NHWC)",
            _ => $"[N,{C}]",
        };
    }

    /// <summary>A constant tensor, decoded on first use. Integer constants may hold <see cref="BatchMarker"/>.</summary>
    private sealed class Const : Value
    {
        private float[]? _floats;
        private long[]? _ints;

        public Const(TensorProto proto)
        {
            Proto = proto;
            Dims = [.. proto.Dims];
        }

        public Const(long[] dims, long[] ints)
        {
            Dims = dims;
            _ints = ints;
        }

        public TensorProto? Proto { get; }

        public long[] Dims { get; }

        public bool IsFloat => Proto != null && Proto.ElementType is OnnxDataType.Float or OnnxDataType.Double;

        public long Count => Proto?.ElementCount ?? _ints!.Length;

        public float[] Floats(string what)
        {
            if (_floats != null)
            {
                return _floats;
            }

            if (Proto == null || !IsFloat)
            {
                throw new OnnxUnsupportedException($"{what} must be a float tensor");
            }

            return _floats = Proto.ToFloats();
        }

        public long[] Ints(string what)
        {
            if (_ints != null)
            {
                return _ints;
            }

            if (Proto == null || IsFloat)
            {
                throw new OnnxUnsupportedException($"{what} must be an integer tensor");
            }

            return _ints = Proto.ToInt64s();
        }
    }

    /// <summary>Stands for the (symbolic) batch size inside constant-folded shape vectors.</summary>
    private const long BatchMarker = long.MinValue;

    private const int MaxDim = 4096;

    /// <summary>Largest activation (elements per sample) accepted, like the int8 runtime's limit.</summary>
    private const int MaxElements = 1 << 24;

    private sealed class GraphImporter
    {
        private readonly ModelProto _model;
        private readonly GraphProto _graph;
        private readonly long _opset;
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly List<FloatLayer> _layers = [];
        private readonly List<int[]> _layerInputs = [];
        private InputLayout _inputLayout;
        private readonly List<int> _nodeInputs = [];
        private readonly Dictionary<string, int> _consumers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
        private Act? _current;
        private long? _staticBatch;
        private NodeProto? _node;
        private int _nodeIndex;

        public GraphImporter(ModelProto model)
        {
            _model = model;
            _graph = model.Graph ?? throw new OnnxFormatException("the model has no graph");
            _opset = model.DefaultOpsetVersion;
            if (_opset == 0 && model.OpsetImport.Count == 0)
            {
                _opset = 1;
            }
        }

        private string Where => _node == null ? "graph" : _node.Describe(_nodeIndex);

        public FloatModel Run(string? name, IReadOnlyList<string>? labels)
        {
            if (_opset < 1)
            {
                throw new OnnxUnsupportedException("the model does not import the default ONNX operator set");
            }

            foreach (TensorProto init in _graph.Initializer)
            {
                if (init.Name.Length == 0)
                {
                    throw new OnnxFormatException("an initializer has no name");
                }

                _values[init.Name] = new Const(init);
            }

            foreach (NodeProto n in _graph.Node)
            {
                _consumed.UnionWith(n.Input);
                foreach (string i in n.Input)
                {
                    _consumers[i] = _consumers.GetValueOrDefault(i) + 1;
                }
            }

            foreach (ValueInfoProto o in _graph.Output)
            {
                _consumers[o.Name] = _consumers.GetValueOrDefault(o.Name) + 1;
            }

            _consumed.UnionWith(_graph.Output.Select(o => o.Name));
            TensorShape inputShape = ReadInput();
            for (_nodeIndex = 0; _nodeIndex < _graph.Node.Count; _nodeIndex++)
            {
                _node = _graph.Node[_nodeIndex];
                _nodeInputs.Clear();
                ImportNode(_node);
            }

            _node = null;
            CheckOutput();
            string modelName = name ?? (_graph.Name.Length != 0 ? _graph.Name : "onnx");
            labels ??= LabelsFromMetadata();
            try
            {
                return new FloatModel(modelName, inputShape, _layers, labels, _layerInputs) { InputLayout = _inputLayout };
            }
            catch (InvalidOperationException e)
            {
                throw new OnnxFormatException($"the imported layers do not chain: {e.Message}", e);
            }
        }

        /// <summary>
        /// Class names from metadata_props, when there is one per output: our exporter's key (one per line), a
        /// <c>labels</c> key holding a JSON list of strings, or a <c>classes</c> key holding a comma-separated list.
        /// </summary>
        private string[]? LabelsFromMetadata()
        {
            if (_current == null)
            {
                return null;
            }

            int outputs = _current.C * _current.H * _current.W;
            foreach (StringStringEntryProto kv in _model.MetadataProps)
            {
                string[]? labels = kv.Key switch
                {
                    OnnxExporter.LabelsMetadataKey => kv.Value.Split('\n'),
                    "labels" => JsonLabels(kv.Value),
                    "classes" => [.. kv.Value.Split(',').Select(l => l.Trim())],
                    _ => null,
                };
                if (labels != null && labels.Length == outputs)
                {
                    return labels;
                }
            }

            return null;
        }

        private static string[]? JsonLabels(string json)
        {
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<string[]>(json);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

        private TensorShape ReadInput()
        {
            var real = _graph.Input.Where(i => !_values.ContainsKey(i.Name)).ToList();
            if (real.Count != 1)
            {
                throw new OnnxUnsupportedException($"the graph has {real.Count} inputs besides initializers; exactly one is supported");
            }

            ValueInfoProto input = real[0];
            TypeProto.Types.Tensor? tt = input.Type?.TensorType;
            if (tt == null || tt.Shape == null)
            {
                throw new OnnxUnsupportedException($"graph input '{input.Name}' must be a tensor with a known shape");
            }

            if (tt.ElemType != (int)OnnxDataType.Float)
            {
                throw new OnnxUnsupportedException($"graph input '{input.Name}' has element type {(OnnxDataType)tt.ElemType}; only float models are imported");
            }

            RepeatedField<TensorShapeProto.Types.Dimension> dims = tt.Shape.Dim;
            if (dims.Count is < 2 or > 4)
            {
                throw new OnnxUnsupportedException($"graph input '{input.Name}' has rank {dims.Count}; expected [N,C,H,W], [N,H,W,C], [N,C,T] or [N,F]");
            }

            if (dims[0].HasDimValue && dims[0].DimValue >= 1)
            {
                _staticBatch = dims[0].DimValue;
            }

            int[] sizes = new int[dims.Count - 1];
            for (int i = 1; i < dims.Count; i++)
            {
                long v = dims[i].DimValue;
                if (!dims[i].HasDimValue || v < 1)
                {
                    throw new OnnxUnsupportedException($"graph input '{input.Name}' dimension {i} is '{dims[i].Text}'; all but the batch must be fixed and positive");
                }

                if (v > MaxDim)
                {
                    throw new OnnxUnsupportedException($"graph input '{input.Name}' dimension {i} is {v}, above the {MaxDim} limit");
                }

                sizes[i - 1] = (int)v;
            }

            Act act;
            if (dims.Count == 2)
            {
                act = new Act(Layout.Flat, 1, 1, sizes[0], null, null);
            }
            else if (dims.Count == 3)
            {
                act = new Act(Layout.Nct, 1, sizes[1], sizes[0], null, null);
            }
            else if (FirstConsumerIsTranspose(input.Name, [0, 3, 1, 2]))
            {
                act = new Act(Layout.Nhwc, sizes[0], sizes[1], sizes[2], null, null);
            }
            else
            {
                act = new Act(Layout.Nchw, sizes[1], sizes[2], sizes[0], null, null);
            }

            if ((long)act.H * act.W * act.C > MaxElements)
            {
                throw new OnnxUnsupportedException($"graph input '{input.Name}' is too large");
            }

            _values[input.Name] = act;
            _current = act;
            _inputLayout = act.Layout switch
            {
                Layout.Flat => InputLayout.Features,
                Layout.Nct => InputLayout.Nct,
                Layout.Nhwc => InputLayout.Nhwc,
                _ => InputLayout.Nchw,
            };
            return act.Shape;
        }

        private bool FirstConsumerIsTranspose(string name, long[] perm)
        {
            foreach (NodeProto n in _graph.Node)
            {
                if (n.Input.Contains(name))
                {
                    return n.OpType == "Transpose" && n.FindAttribute("perm") is { } p && p.Ints.SequenceEqual(perm);
                }
            }

            return false;
        }

        private void CheckOutput()
        {
            if (_graph.Output.Count != 1)
            {
                throw new OnnxUnsupportedException($"the graph has {_graph.Output.Count} outputs; exactly one is supported");
            }

            string name = _graph.Output[0].Name;
            if (!_values.TryGetValue(name, out Value? v))
            {
                throw new OnnxFormatException($"graph output '{name}' is never computed");
            }

            if (v is not Act act || act.Tensor != _layers.Count)
            {
                throw new OnnxUnsupportedException($"graph output '{name}' is not the last layer computed; nodes after the output are not supported");
            }

            if (act.Perm != null)
            {
                throw new OnnxUnsupportedException($"graph output '{name}' is a CHW-flattened tensor whose order differs from the HWC runtime; add a dense layer or a Transpose before the Flatten");
            }

            if (act.Layout is Layout.Nchw or Layout.Nct && act.H * act.W > 1 && act.C > 1)
            {
                throw new OnnxUnsupportedException($"graph output '{name}' is a spatial NCHW tensor; the runtime's output is HWC");
            }

            if (_layers.Count == 0)
            {
                throw new OnnxUnsupportedException("the graph has no layers");
            }
        }

        private void ImportNode(NodeProto node)
        {
            if (node.Domain.Length != 0 && node.Domain != "ai.onnx")
            {
                throw Unsupported($"operator domain '{node.Domain}' is not supported");
            }

            if (node.Output.Count == 0 || node.Output[0].Length == 0)
            {
                throw new OnnxFormatException($"{Where} has no output");
            }

            switch (node.OpType)
            {
                case "Constant": Define(ConstantNode()); break;
                case "Identity":
                case "Dropout": PassThrough(); break;
                case "Conv": Conv(); break;
                case "Gemm": Gemm(); break;
                case "MatMul": MatMul(); break;
                case "Add": Add(); break;
                case "Mul": Mul(); break;
                case "Relu": Activation(FloatActivation.Relu); break;
                case "Sigmoid": Unary(new UnaryLayer(UnaryFunction.Sigmoid)); break;
                case "Tanh": Unary(new UnaryLayer(UnaryFunction.Tanh)); break;
                case "HardSigmoid": Unary(new UnaryLayer(UnaryFunction.HardSigmoid, FloatAttr("alpha", 0.2f), FloatAttr("beta", 0.5f))); break;
                case "HardSwish": Unary(new UnaryLayer(UnaryFunction.HardSwish)); break;
                case "LeakyRelu": Unary(new UnaryLayer(UnaryFunction.LeakyRelu, FloatAttr("alpha", 0.01f))); break;
                case "Pad": Pad(); break;
                case "Clip": Clip(); break;
                case "BatchNormalization": BatchNorm(); break;
                case "MaxPool": Pool(max: true); break;
                case "AveragePool": Pool(max: false); break;
                case "GlobalAveragePool": GlobalPool(max: false); break;
                case "GlobalMaxPool": GlobalPool(max: true); break;
                case "ReduceMean": ReduceMean(); break;
                case "Flatten": Flatten(); break;
                case "Reshape": Reshape(); break;
                case "Transpose": Transpose(); break;
                case "Softmax": Softmax(); break;
                case "Shape": Shape(); break;
                case "Gather": Gather(); break;
                case "Unsqueeze": Unsqueeze(); break;
                case "Squeeze": Squeeze(); break;
                case "Concat": Concat(); break;
                case "Cast": Cast(); break;
                case "ConstantOfShape": ConstantOfShape(); break;
                case "Slice": Slice(); break;
                default: throw Unsupported("this operator is not supported");
            }
        }

        // ---- value plumbing ----

        private OnnxUnsupportedException Unsupported(string message) => new($"{Where}: {message}");

        private OnnxFormatException Malformed(string message) => new($"{Where}: {message}");

        private string InputName(int i) => i < _node!.Input.Count ? _node.Input[i] : "";

        private Value? OptionalInput(int i)
        {
            string name = InputName(i);
            if (name.Length == 0)
            {
                return null;
            }

            if (!_values.TryGetValue(name, out Value? v))
            {
                throw Malformed($"input '{name}' is not defined before the node");
            }

            return v;
        }

        private Value Input(int i) => OptionalInput(i) ?? throw Malformed($"input {i} is missing");

        /// <summary>Input i as an activation; a layer the node adds reads the activations taken here, in this order.</summary>
        private Act ActInput(int i)
        {
            Value v = Input(i);
            if (v is not Act a)
            {
                throw Unsupported($"input '{InputName(i)}' is a constant; constant folding of this operator is not supported");
            }

            _nodeInputs.Add(a.Tensor);
            return a;
        }

        private Const ConstInput(int i, string what)
        {
            Value v = Input(i);
            return v as Const ?? throw Unsupported($"{what} ('{InputName(i)}') must be a constant (initializer or Constant node)");
        }

        private Const? OptionalConst(int i, string what) => OptionalInput(i) switch
        {
            null => null,
            Const c => c,
            _ => throw Unsupported($"{what} ('{InputName(i)}') must be a constant (initializer or Constant node)"),
        };

        private void Define(Value v)
        {
            string name = _node!.Output[0];
            if (_values.ContainsKey(name))
            {
                throw Malformed($"output '{name}' is already defined (a graph assigns each name once)");
            }

            if (v is Act a)
            {
                if ((long)a.H * a.W * a.C > MaxElements)
                {
                    throw Unsupported($"its output {a.Describe()} has more than {MaxElements} elements");
                }

                // A value read by more than one node (a branch) cannot take a folded bias or activation any more.
                if (a.Producer != null && _consumers.GetValueOrDefault(name) != 1)
                {
                    v = a = a.With(null);
                }

                _current = a;
            }

            _values[name] = v;
            for (int i = 1; i < _node.Output.Count; i++)
            {
                string extra = _node.Output[i];
                if (extra.Length != 0 && _consumed.Contains(extra))
                {
                    throw Unsupported($"its output '{extra}' is used; only the first output is supported");
                }
            }
        }

        private AttributeProto? Attr(string name) => _node!.FindAttribute(name);

        private long IntAttr(string name, long fallback)
        {
            AttributeProto? a = Attr(name);
            if (a == null)
            {
                return fallback;
            }

            if (a.Type != AttributeType.Int && a.Type != AttributeType.Undefined)
            {
                throw Malformed($"attribute '{name}' should be an int");
            }

            return a.I;
        }

        private float FloatAttr(string name, float fallback)
        {
            AttributeProto? a = Attr(name);
            if (a == null)
            {
                return fallback;
            }

            if (a.Type != AttributeType.Float && a.Type != AttributeType.Undefined)
            {
                throw Malformed($"attribute '{name}' should be a float");
            }

            return a.F;
        }

        private long[]? IntsAttr(string name)
        {
            AttributeProto? a = Attr(name);
            if (a == null)
            {
                return null;
            }

            if (a.Type != AttributeType.Ints && a.Type != AttributeType.Undefined)
            {
                throw Malformed($"attribute '{name}' should be a list of ints");
            }

            return [.. a.Ints];
        }

        private string StringAttr(string name, string fallback)
        {
            AttributeProto? a = Attr(name);
            return a == null ? fallback : a.S.ToStringUtf8();
        }

        private static int Small(long v) => v is >= int.MinValue and <= int.MaxValue ? (int)v : (v < 0 ? int.MinValue : int.MaxValue);

        /// <summary>Adds a layer that reads the activations this node took with <see cref="ActInput"/>.</summary>
        private void AddLayer(FloatLayer layer, Act output)
        {
            _layers.Add(layer);
            _layerInputs.Add([.. _nodeInputs]);
            output.Tensor = _layers.Count;
            Define(output);
        }

        // ---- constants and shape arithmetic ----

        private Const ConstantNode()
        {
            AttributeProto? a = _node!.Attribute.Count == 1 ? _node.Attribute[0] : null;
            if (a == null)
            {
                throw Malformed("a Constant needs exactly one attribute");
            }

            switch (a.Name)
            {
                case "value" when a.T != null:
                    return new Const(a.T);
                case "value_float":
                    return new Const(TensorProto.FromFloats("", [], [a.F]));
                case "value_floats":
                    return new Const(TensorProto.FromFloats("", [a.Floats.Count], [.. a.Floats]));
                case "value_int":
                    return new Const([], [a.I]);
                case "value_ints":
                    return new Const([a.Ints.Count], [.. a.Ints]);
                default:
                    throw Unsupported($"Constant attribute '{a.Name}' is not supported");
            }
        }

        private void PassThrough()
        {
            Value v = Input(0);
            if (v is Act a)
            {
                ActInput(0);
                Define(a.With(a.Producer));
            }
            else
            {
                Define(v);
            }
        }

        private void Shape()
        {
            Act a = ActInput(0);
            long[] dims = a.Layout switch
            {
                Layout.Nchw => [BatchMarker, a.C, a.H, a.W],
                Layout.Nct => [BatchMarker, a.C, a.W],
                Layout.Nhwc => [BatchMarker, a.H, a.W, a.C],
                _ => [BatchMarker, a.C],
            };
            if (_staticBatch is long b)
            {
                dims[0] = b;
            }

            int start = Small(IntAttr("start", 0));
            int end = Small(IntAttr("end", dims.Length));
            start = Math.Clamp(start < 0 ? start + dims.Length : start, 0, dims.Length);
            end = Math.Clamp(end < 0 ? end + dims.Length : end, 0, dims.Length);
            long[] slice = dims[start..Math.Max(start, end)];

            // Shape does not consume the chain: the activation stays current.
            string name = _node!.Output[0];
            if (_values.ContainsKey(name))
            {
                throw Malformed($"output '{name}' is already defined");
            }

            _values[name] = new Const([slice.Length], slice);
        }

        private void Gather()
        {
            Const data = ConstInput(0, "Gather data");
            Const idx = ConstInput(1, "Gather indices");
            if (data.Dims.Length != 1 || Small(IntAttr("axis", 0)) is not (0 or -1))
            {
                throw Unsupported("only gathering from a 1-D constant (a shape) is supported");
            }

            long[] values = data.Ints("Gather data");
            long[] indices = idx.Ints("Gather indices");
            var result = new long[indices.Length];
            for (int i = 0; i < indices.Length; i++)
            {
                long k = indices[i] < 0 ? indices[i] + values.Length : indices[i];
                if (k < 0 || k >= values.Length)
                {
                    throw Malformed($"Gather index {indices[i]} is out of range for {values.Length} values");
                }

                result[i] = values[k];
            }

            Define(new Const([.. idx.Dims], result));
        }

        private long[] AxesFor(string what)
        {
            long[]? axes = IntsAttr("axes");
            if (axes == null && OptionalConst(1, what + " axes") is Const c)
            {
                axes = c.Ints(what + " axes");
            }

            return axes ?? [];
        }

        private void Unsqueeze()
        {
            if (Input(0) is Act)
            {
                ReshapeUnitAxes(unsqueeze: true);
                return;
            }

            Const data = ConstInput(0, "Unsqueeze data");
            long[] axes = AxesFor("Unsqueeze");
            int rank = data.Dims.Length + axes.Length;
            if (rank > 8)
            {
                throw Unsupported("Unsqueeze to more than 8 dimensions");
            }

            var dims = new List<long>(data.Dims);
            foreach (long ax in axes.Select(a => a < 0 ? a + rank : a).Order())
            {
                if (ax < 0 || ax > dims.Count)
                {
                    throw Malformed($"Unsqueeze axis {ax} out of range");
                }

                dims.Insert((int)ax, 1);
            }

            Define(new Const([.. dims], data.Ints("Unsqueeze data")));
        }

        /// <summary>
        /// Squeeze or Unsqueeze of an activation: layout only, when it moves between [N,C], [N,C,1] and [N,C,1,1] (a
        /// vector of channels seen as a 1-D or 2-D map, as squeeze-excite gates do) or adds or drops unit axes of a map.
        /// </summary>
        private void ReshapeUnitAxes(bool unsqueeze)
        {
            Act x = ActInput(0);
            long[] axes = AxesFor(unsqueeze ? "Unsqueeze" : "Squeeze");
            int inRank = x.Layout switch { Layout.Flat => 2, Layout.Nct => 3, _ => 4 };
            int outRank = unsqueeze ? inRank + axes.Length : (axes.Length == 0 ? 2 : inRank - axes.Length);
            bool vector = x.H == 1 && x.W == 1;
            Layout? layout = (vector, outRank) switch
            {
                (true, 2) => Layout.Flat,
                (true, 3) => Layout.Nct,
                (true, 4) => Layout.Nchw,
                (false, 3) when x.H == 1 && x.Layout == Layout.Nchw => Layout.Nct,
                (false, 4) when x.Layout == Layout.Nct => Layout.Nchw,
                _ => null,
            };
            if (layout is not Layout l || x.Perm != null || x.Layout == Layout.Nhwc || axes.Any(a => (a < 0 ? a + (unsqueeze ? outRank : inRank) : a) < 2))
            {
                throw Unsupported($"{(unsqueeze ? "Unsqueeze" : "Squeeze")} of {x.Describe()} along [{string.Join(",", axes)}]: only adding or dropping unit spatial axes is supported");
            }

            Define(new Act(l, x.H, x.W, x.C, null, x.Producer) { Tensor = x.Tensor });
        }

        private void Squeeze()
        {
            if (Input(0) is Act)
            {
                ReshapeUnitAxes(unsqueeze: false);
                return;
            }

            Const data = ConstInput(0, "Squeeze data");
            long[] axes = AxesFor("Squeeze");
            var keep = new List<long>();
            for (int i = 0; i < data.Dims.Length; i++)
            {
                bool squeezed = axes.Length == 0 ? data.Dims[i] == 1 : axes.Any(a => a == i || a + data.Dims.Length == i);
                if (!squeezed)
                {
                    keep.Add(data.Dims[i]);
                }
            }

            Define(new Const([.. keep], data.Ints("Squeeze data")));
        }

        private void Concat()
        {
            if (_node!.Input.Any(name => _values.GetValueOrDefault(name) is Act))
            {
                ConcatActs();
                return;
            }

            var all = new List<long>();
            for (int i = 0; i < _node!.Input.Count; i++)
            {
                Const c = ConstInput(i, "Concat input");
                if (c.Dims.Length != 1)
                {
                    throw Unsupported("only concatenating 1-D constants (shapes) is supported");
                }

                all.AddRange(c.Ints("Concat input"));
            }

            Define(new Const([all.Count], [.. all]));
        }

        /// <summary>torch.cat of activations: NCHW axis 1 is our channels, 2 the height, 3 the width; a flat [N,F] concatenates features.</summary>
        private void ConcatActs()
        {
            var xs = Enumerable.Range(0, _node!.Input.Count).Select(ActInput).ToList();
            Act first = xs[0];
            if (xs.Any(x => x.Layout != first.Layout || x.Perm != null))
            {
                throw Unsupported("Concat of activations needs one layout and no CHW-flattened inputs");
            }

            long axis = IntAttr("axis", 1);
            int rank = first.Layout switch { Layout.Flat => 2, Layout.Nct => 3, _ => 4 };
            axis = axis < 0 ? axis + rank : axis;
            int ours = (first.Layout, axis) switch
            {
                (Layout.Flat, 1) => 2,
                (Layout.Nchw, 1) => 2,
                (Layout.Nchw, 2) => 0,
                (Layout.Nchw, 3) => 1,
                (Layout.Nct, 1) => 2,
                (Layout.Nct, 2) => 1,
                (Layout.Nhwc, 1) => 0,
                (Layout.Nhwc, 2) => 1,
                (Layout.Nhwc, 3) => 2,
                _ => throw Unsupported($"Concat along axis {axis} of {first.Describe()} is not supported"),
            };
            if (xs.Count > 64)
            {
                throw Unsupported($"{xs.Count} inputs: at most 64 are supported");
            }

            var layer = new ConcatLayer(ours, xs.Count);
            TensorShape o;
            try
            {
                o = layer.OutputShape([.. xs.Select(x => x.Shape)]);
            }
            catch (InvalidOperationException e)
            {
                throw Unsupported(e.Message);
            }

            AddLayer(layer, new Act(first.Layout, o.H, o.W, o.C, null, null));
        }

        // ---- integer constants that exporters compute at run time (F.pad's pads vector) ----

        private void ConstantOfShape()
        {
            long[] shape = ConstInput(0, "ConstantOfShape shape").Ints("ConstantOfShape shape");
            if (shape.Any(d => d < 0 || d > MaxDim))
            {
                throw Unsupported($"shape [{string.Join(",", shape)}] is not a small constant shape");
            }

            long count = shape.Aggregate(1L, (a, d) => a * d);
            TensorProto? value = Attr("value")?.T;
            bool isFloat = value != null && value.ElementType is OnnxDataType.Float or OnnxDataType.Double;
            if (isFloat)
            {
                float v = value!.ToFloats() is { Length: 1 } f ? f[0] : throw Malformed("value must hold one element");
                Define(new Const(TensorProto.FromFloats("", shape, [.. Enumerable.Repeat(v, (int)count)])));
                return;
            }

            long fill = value == null ? 0 : value.ToInt64s() is { Length: 1 } i ? i[0] : throw Malformed("value must hold one element");
            Define(new Const(shape, [.. Enumerable.Repeat(fill, (int)count)]));
        }

        private void Slice()
        {
            Const data = ConstInput(0, "Slice data");
            long[] dims = data.Dims;
            long[] values = data.Ints("Slice data");
            long[] starts = ConstInput(1, "Slice starts").Ints("Slice starts");
            long[] ends = ConstInput(2, "Slice ends").Ints("Slice ends");
            long[] axes = OptionalConst(3, "Slice axes")?.Ints("Slice axes") ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
            long[] steps = OptionalConst(4, "Slice steps")?.Ints("Slice steps") ?? [.. Enumerable.Repeat(1L, starts.Length)];
            if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length || steps.Any(v => v == 0))
            {
                throw Malformed("starts, ends, axes and steps must have one value per sliced axis, steps not 0");
            }

            // Per axis, the kept indices (ONNX's clamping rules).
            var kept = dims.Select(d => Enumerable.Range(0, (int)d).ToArray()).ToArray();
            for (int k = 0; k < axes.Length; k++)
            {
                int axis = (int)(axes[k] < 0 ? axes[k] + dims.Length : axes[k]);
                if (axis < 0 || axis >= dims.Length)
                {
                    throw Malformed($"Slice axis {axes[k]} out of range");
                }

                long n = dims[axis], step = steps[k];
                long start = starts[k] < 0 ? starts[k] + n : starts[k];
                long end = ends[k] < 0 ? ends[k] + n : ends[k];
                start = step > 0 ? Math.Clamp(start, 0, n) : Math.Clamp(start, 0, n - 1);
                end = step > 0 ? Math.Clamp(end, 0, n) : Math.Clamp(end, -1, n - 1);
                var indices = new List<int>();
                for (long i = start; step > 0 ? i < end : i > end; i += step)
                {
                    indices.Add((int)i);
                }

                kept[axis] = [.. indices];
            }

            long[] outDims = [.. kept.Select(k => (long)k.Length)];
            long[] strides = Strides(dims);
            var result = new List<long>();
            void Walk(int axis, long offset)
            {
                if (axis == dims.Length)
                {
                    result.Add(values[offset]);
                    return;
                }

                foreach (int i in kept[axis])
                {
                    Walk(axis + 1, offset + (i * strides[axis]));
                }
            }

            Walk(0, 0);
            Define(new Const(outDims, [.. result]));
        }

        private void TransposeConst(Const data)
        {
            long[] dims = data.Dims;
            long[] perm = IntsAttr("perm") ?? [.. Enumerable.Range(0, dims.Length).Reverse().Select(i => (long)i)];
            if (perm.Length != dims.Length || perm.Order().Select((p, i) => p == i).Any(ok => !ok))
            {
                throw Malformed($"perm [{string.Join(",", perm)}] is not a permutation of {dims.Length} axes");
            }

            long[] values = data.Ints("Transpose data");
            long[] outDims = [.. perm.Select(p => dims[p])];
            long[] inStrides = Strides(dims);
            long[] outStrides = Strides(outDims);
            var result = new long[values.Length];
            for (long o = 0; o < values.Length; o++)
            {
                long rest = o, src = 0;
                for (int a = 0; a < outDims.Length; a++)
                {
                    long idx = rest / outStrides[a];
                    rest %= outStrides[a];
                    src += idx * inStrides[perm[a]];
                }

                result[o] = values[src];
            }

            Define(new Const(outDims, result));
        }

        private long[] ReshapeDims(Const data, long[] shape)
        {
            long count = data.Count;
            var dims = new long[shape.Length];
            int infer = -1;
            long known = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                dims[i] = shape[i] == 0 && i < data.Dims.Length ? data.Dims[i] : shape[i];
                if (dims[i] == -1)
                {
                    infer = infer < 0 ? i : throw Malformed("a Reshape shape may hold one -1");
                }
                else
                {
                    known *= dims[i];
                }
            }

            if (infer >= 0 && known > 0)
            {
                dims[infer] = count / known;
            }

            if (dims.Aggregate(1L, (a, d) => a * d) != count)
            {
                throw Malformed($"cannot reshape a constant of {count} values to [{string.Join(",", shape)}]");
            }

            return dims;
        }

        private static long[] Strides(long[] dims)
        {
            var strides = new long[dims.Length];
            long stride = 1;
            for (int i = dims.Length - 1; i >= 0; i--)
            {
                strides[i] = stride;
                stride *= dims[i];
            }

            return strides;
        }

        private void Cast()
        {
            Const c = ConstInput(0, "Cast input");
            long to = IntAttr("to", 0);
            if (to == (long)OnnxDataType.Float && c.IsFloat)
            {
                Define(c);
            }
            else if (to is (long)OnnxDataType.Int64 or (long)OnnxDataType.Int32 && !c.IsFloat)
            {
                Define(new Const(c.Dims, c.Ints("Cast input")));
            }
            else
            {
                throw Unsupported($"Cast of a constant to type {to} is not supported");
            }
        }

        // ---- layers ----

        private WindowSpec Window(Act x, int kh, int kw, string what)
        {
            if (IntsAttr("dilations") is { } dil && dil.Any(d => d != 1))
            {
                throw Unsupported("dilations other than 1 are not supported");
            }

            if (IntsAttr("kernel_shape") is { } ks && (ks.Length != 2 || ks[0] != kh || ks[1] != kw))
            {
                throw Malformed($"kernel_shape [{string.Join(",", ks)}] does not match the {what} {kh}x{kw}");
            }

            long[] strides = IntsAttr("strides") ?? [1, 1];
            if (strides.Length != 2 || strides.Any(s => s < 1 || s > MaxDim))
            {
                throw Unsupported($"strides [{string.Join(",", strides)}] must be two values in 1..{MaxDim}");
            }

            int sh = (int)strides[0];
            int sw = (int)strides[1];
            string autoPad = StringAttr("auto_pad", "NOTSET");
            int pt, pl, pb, pr;
            switch (autoPad)
            {
                case "NOTSET":
                case "":
                    long[] pads = IntsAttr("pads") ?? [0, 0, 0, 0];
                    if (pads.Length != 4 || pads.Any(p => p < 0 || p > MaxDim))
                    {
                        throw Unsupported($"pads [{string.Join(",", pads)}] must be four values in 0..{MaxDim}");
                    }

                    (pt, pl, pb, pr) = ((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
                    break;
                case "VALID":
                    (pt, pl, pb, pr) = (0, 0, 0, 0);
                    break;
                case "SAME_UPPER":
                case "SAME_LOWER":
                    (pt, pb) = SamePads(x.H, kh, sh, autoPad == "SAME_LOWER");
                    (pl, pr) = SamePads(x.W, kw, sw, autoPad == "SAME_LOWER");
                    break;
                default:
                    throw Unsupported($"auto_pad '{autoPad}' is not supported");
            }

            if (pt >= kh || pb >= kh || pl >= kw || pr >= kw)
            {
                throw Unsupported($"padding ({pt},{pl},{pb},{pr}) must be smaller than the {kh}x{kw} window");
            }

            var spec = new WindowSpec(kh, kw, sh, sw, pt, pl, pb, pr);
            if (x.H + pt + pb < kh || x.W + pl + pr < kw)
            {
                throw Malformed($"the {kh}x{kw} window does not fit the {x.H}x{x.W} input");
            }

            return spec;
        }

        private static (int Begin, int End) SamePads(int size, int k, int stride, bool lower)
        {
            int outSize = (size + stride - 1) / stride;
            int total = Math.Max(0, ((outSize - 1) * stride) + k - size);
            int small = total / 2;
            return lower ? (total - small, small) : (small, total - small);
        }

        private Act Spatial(int i)
        {
            Act x = ActInput(i);
            if (x.Layout == Layout.Nct)
            {
                Lift1D();
            }
            else if (x.Layout != Layout.Nchw)
            {
                throw Unsupported($"expects an NCHW or NCT input, got {x.Describe()}");
            }

            return x;
        }

        /// <summary>A 1-D node on [N,C,T] as the 2-D one on [N,C,1,T]: kernel, strides, pads and dilations gain a unit height.</summary>
        private void Lift1D()
        {
            foreach (string name in new[] { "kernel_shape", "strides", "dilations" })
            {
                if (IntsAttr(name) is { Length: 1 } v)
                {
                    _node!.SetAttribute(AttributeProto.IntList(name, 1, v[0]));
                }
            }

            if (IntsAttr("pads") is { Length: 2 } pads)
            {
                _node!.SetAttribute(AttributeProto.IntList("pads", 0, pads[0], 0, pads[1]));
            }
        }

        private void Conv()
        {
            Act x = Spatial(0);
            Const wc = ConstInput(1, "Conv weight");
            Const? bc = OptionalConst(2, "Conv bias");
            bool oneD = x.Layout == Layout.Nct;
            if (wc.Dims.Length != (oneD ? 3 : 4))
            {
                throw Unsupported($"weight has rank {wc.Dims.Length}; expected OIHW weights for an NCHW input or OIK for an NCT input");
            }

            if (wc.Dims.Any(d => d < 1 || d > MaxDim))
            {
                throw Malformed("weight has an empty or huge dimension");
            }

            int o = (int)wc.Dims[0], ig = (int)wc.Dims[1], kh = oneD ? 1 : (int)wc.Dims[2], kw = (int)wc.Dims[^1];
            long group = IntAttr("group", 1);
            float[] w = wc.Floats("Conv weight");
            float[] bias = bc == null ? new float[o] : bc.Floats("Conv bias");
            if (bias.Length != o)
            {
                throw Malformed($"bias has {bias.Length} values for {o} output channels");
            }

            WindowSpec win = Window(x, kh, kw, "weight");
            FloatLayer layer;
            if (group == 1)
            {
                if (ig != x.C)
                {
                    throw Malformed($"weight expects {ig} input channels, the input has {x.C}");
                }

                var conv = new Conv2DLayer(x.C, o, win);
                for (int oc = 0; oc < o; oc++)
                {
                    for (int ic = 0; ic < ig; ic++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            for (int kx = 0; kx < kw; kx++)
                            {
                                conv.Weights[(((oc * kh) + ky) * kw + kx) * ig + ic] = w[(((oc * ig) + ic) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }

                bias.CopyTo(conv.Bias, 0);
                layer = conv;
            }
            else if (group == x.C && ig == 1 && o % x.C == 0)
            {
                var dw = new DepthwiseConv2DLayer(x.C, o / x.C, win);
                for (int oc = 0; oc < o; oc++)
                {
                    for (int k = 0; k < kh * kw; k++)
                    {
                        dw.Weights[(k * o) + oc] = w[(oc * kh * kw) + k];
                    }
                }

                bias.CopyTo(dw.Bias, 0);
                layer = dw;
            }
            else if (group > 1 && x.C % group == 0 && o % group == 0 && ig == x.C / group)
            {
                // A grouped convolution as a full one with block-diagonal weights: exact, at group times the MACs.
                int og = o / (int)group;
                var conv = new Conv2DLayer(x.C, o, win);
                for (int oc = 0; oc < o; oc++)
                {
                    int firstIn = (oc / og) * ig;
                    for (int j = 0; j < ig; j++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            for (int kx = 0; kx < kw; kx++)
                            {
                                conv.Weights[(((oc * kh) + ky) * kw + kx) * x.C + firstIn + j] = w[(((oc * ig) + j) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }

                bias.CopyTo(conv.Bias, 0);
                layer = conv;
            }
            else
            {
                throw Unsupported($"group {group} with {x.C} input channels and {o} outputs: the groups must divide both");
            }

            AddLayer(layer, new Act(x.Layout, win.OutH(x.H), win.OutW(x.W), o, null, layer));
        }

        private Act FlatInput(int i)
        {
            Act x = ActInput(i);
            if (x.Layout != Layout.Flat)
            {
                throw Unsupported($"expects a flat [N,F] input, got {x.Describe()}; add a Flatten");
            }

            return x;
        }

        /// <summary>A dense layer from ONNX weights: get(o, j) is the weight of ONNX input j for unit o.</summary>
        private DenseLayer Dense(Act x, int units, Func<int, int, float> get)
        {
            int inputs = x.C;
            var dense = new DenseLayer(inputs, units);
            for (int o = 0; o < units; o++)
            {
                for (int j = 0; j < inputs; j++)
                {
                    int ours = x.Perm == null ? j : x.Perm[j];
                    dense.Weights[(o * inputs) + ours] = get(o, j);
                }
            }

            return dense;
        }

        private (int K, int M) Matrix(Const b, string what)
        {
            if (b.Dims.Length != 2 || b.Dims.Any(d => d < 1 || d > (1 << 24)))
            {
                throw Unsupported($"{what} must be a 2-D matrix, got dims [{string.Join(",", b.Dims)}]");
            }

            return ((int)b.Dims[0], (int)b.Dims[1]);
        }

        private void Gemm()
        {
            Act x = FlatInput(0);
            Const bc = ConstInput(1, "Gemm B");
            if (IntAttr("transA", 0) != 0)
            {
                throw Unsupported("transA = 1 is not supported");
            }

            long transB = IntAttr("transB", 0);
            float alpha = FloatAttr("alpha", 1f);
            float beta = FloatAttr("beta", 1f);
            Const? cc = OptionalConst(2, "Gemm C");
            if (!float.IsFinite(alpha) || !float.IsFinite(beta))
            {
                throw Malformed("alpha and beta must be finite");
            }

            (int r, int c) = Matrix(bc, "B");
            int k = transB != 0 ? c : r;
            int m = transB != 0 ? r : c;
            if (k != x.C)
            {
                throw Malformed($"B has {k} inputs, the input has {x.C} features");
            }

            float[] b = bc.Floats("Gemm B");
            DenseLayer dense = transB != 0 ? Dense(x, m, (o, j) => alpha * b[(o * k) + j]) : Dense(x, m, (o, j) => alpha * b[(j * m) + o]);
            if (cc != null)
            {
                AddBias(dense.Bias, cc, m, flat: true);
                for (int o = 0; o < m; o++)
                {
                    dense.Bias[o] *= beta;
                }
            }

            AddLayer(dense, new Act(Layout.Flat, 1, 1, m, null, dense));
        }

        private void MatMul()
        {
            Act x = FlatInput(0);
            Const bc = ConstInput(1, "MatMul B");
            (int k, int m) = Matrix(bc, "B");
            if (k != x.C)
            {
                throw Malformed($"B has {k} rows, the input has {x.C} features");
            }

            float[] b = bc.Floats("MatMul B");
            DenseLayer dense = Dense(x, m, (o, j) => b[(j * m) + o]);
            AddLayer(dense, new Act(Layout.Flat, 1, 1, m, null, dense));
        }

        /// <summary>Adds a constant that broadcasts along the channel axis ([C], [1,C], [C,1,1], [1,C,1,1] or a scalar).</summary>
        private void AddBias(float[] bias, Const c, int channels, bool flat)
        {
            long[] d = c.Dims;
            bool scalar = d.All(v => v == 1);
            bool perChannel = flat
                ? (d.Length == 1 && d[0] == channels) || (d.Length == 2 && d[0] == 1 && d[1] == channels)
                : (d.Length == 3 && d[0] == channels && d[1] == 1 && d[2] == 1) || (d.Length == 4 && d[0] == 1 && d[1] == channels && d[2] == 1 && d[3] == 1);
            if (!scalar && !perChannel)
            {
                throw Unsupported($"a bias of shape [{string.Join(",", d)}] does not broadcast per channel over {channels} channels");
            }

            float[] v = c.Floats("bias");
            if (v.Length != (scalar ? 1 : channels))
            {
                throw Malformed("bias has the wrong number of values");
            }

            for (int i = 0; i < channels; i++)
            {
                bias[i] += v[scalar ? 0 : i];
            }
        }

        /// <summary>An element-wise layer of two activations (a residual sum, a gate), with broadcasting per channel.</summary>
        private void Binary(bool multiply)
        {
            Act a = ActInput(0);
            Act b = ActInput(1);
            if (a.Perm != null || b.Perm != null)
            {
                throw Unsupported("an element-wise operation on a CHW-flattened tensor is not supported");
            }

            Act big = a.H * a.W * a.C >= b.H * b.W * b.C ? a : b;
            Act small = ReferenceEquals(big, a) ? b : a;
            bool sameLayout = a.Layout == b.Layout || small.Layout == Layout.Flat || (small.H == 1 && small.W == 1);
            var layer = new BinaryLayer(multiply);
            try
            {
                BinaryLayer.Broadcast(layer.Kind, big.Shape, small.Shape);
            }
            catch (InvalidOperationException e)
            {
                throw Unsupported($"{a.Describe()} and {b.Describe()}: {e.Message}");
            }

            if (!sameLayout)
            {
                throw Unsupported($"{a.Describe()} and {b.Describe()} have different layouts");
            }

            AddLayer(layer, new Act(big.Layout, big.H, big.W, big.C, null, layer));
        }

        private void Mul()
        {
            if (Input(0) is Act && Input(1) is Act)
            {
                Binary(multiply: true);
                return;
            }

            throw Unsupported("Mul by a constant is not supported; only the product of two activations (a gate)");
        }

        /// <summary>An element-wise function as a layer of its own.</summary>
        private void Unary(UnaryLayer layer)
        {
            Act x = ActInput(0);
            AddLayer(layer, new Act(x.Layout, x.H, x.W, x.C, x.Perm, null));
        }

        private void Pad()
        {
            Act x = Spatial(0);
            string mode = StringAttr("mode", "constant");
            long[] pads = _opset >= 11 ? ConstInput(1, "Pad pads").Ints("Pad pads") : IntsAttr("pads") ?? [];
            float value = _opset >= 11 ? (OptionalConst(2, "Pad value")?.Floats("Pad value") is { Length: 1 } v ? v[0] : 0f) : FloatAttr("value", 0f);
            if (mode != "constant" || value != 0f)
            {
                throw Unsupported($"mode '{mode}' with value {value.ToString(CultureInfo.InvariantCulture)}: only zero padding is supported");
            }

            // [N, C, T] begins, then ends: as [N, C, 1, T].
            if (x.Layout == Layout.Nct && pads.Length == 6)
            {
                pads = [pads[0], pads[1], 0, pads[2], pads[3], pads[4], 0, pads[5]];
            }

            // [N, C, H, W] begins, then ends.
            if (pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads.Any(p => p < 0 || p > MaxDim))
            {
                throw Unsupported($"pads [{string.Join(",", pads)}]: only non-negative padding of the height and width is supported");
            }

            if (pads.All(p => p == 0))
            {
                Define(x.With(x.Producer));
                return;
            }

            var layer = new PadLayer((int)pads[2], (int)pads[6], (int)pads[3], (int)pads[7]);
            TensorShape o = layer.OutputShape(x.Shape);
            AddLayer(layer, new Act(x.Layout, o.H, o.W, o.C, null, null));
        }

        private void Add()
        {
            if (Input(0) is Act && Input(1) is Act)
            {
                Binary(multiply: false);
                return;
            }

            int actIndex = Input(0) is Act ? 0 : 1;
            Act x = ActInput(actIndex);
            Const c = ConstInput(1 - actIndex, "Add operand");
            (float[] bias, FloatActivation act) = x.Producer switch
            {
                DenseLayer d => (d.Bias, d.Activation),
                Conv2DLayer cv => (cv.Bias, cv.Activation),
                DepthwiseConv2DLayer dw => (dw.Bias, dw.Activation),
                _ => throw Unsupported("Add is only supported as the bias of the Conv, Gemm or MatMul right before it"),
            };
            if (act != FloatActivation.None)
            {
                throw Unsupported("Add after an activation is not supported");
            }

            AddBias(bias, c, x.C, flat: x.Layout == Layout.Flat);
            Define(x.With(x.Producer));
        }

        private void Activation(FloatActivation requested)
        {
            Act x = ActInput(0);
            FloatActivation? fusable = x.Producer switch
            {
                DenseLayer d => d.Activation,
                Conv2DLayer c => c.Activation,
                DepthwiseConv2DLayer dw => dw.Activation,
                BinaryLayer b => b.Activation,
                _ => null,
            };
            if (fusable is not FloatActivation current)
            {
                // Nothing to fuse into (a branch, a pool, the input): a layer of its own.
                _nodeInputs.Clear();
                Unary(requested == FloatActivation.Relu6 ? new UnaryLayer(UnaryFunction.Clip, 0f, 6f) : new UnaryLayer(UnaryFunction.Relu));
                return;
            }


            // relu(relu6(x)) = relu6(x); relu6(relu(x)) = relu6(x).
            FloatActivation result = current == FloatActivation.Relu6 || requested == FloatActivation.Relu6 ? FloatActivation.Relu6 : FloatActivation.Relu;
            switch (x.Producer)
            {
                case DenseLayer d: d.Activation = result; break;
                case Conv2DLayer c: c.Activation = result; break;
                case DepthwiseConv2DLayer dw: dw.Activation = result; break;
                case BinaryLayer b: b.Activation = result; break;
            }

            Define(x.With(x.Producer));
        }

        private void Clip()
        {
            float min;
            float max;
            if (_opset < 11)
            {
                min = FloatAttr("min", float.MinValue);
                max = FloatAttr("max", float.MaxValue);
            }
            else
            {
                min = ScalarOr(1, float.NegativeInfinity);
                max = ScalarOr(2, float.PositiveInfinity);
            }

            bool noMin = min <= float.MinValue;
            bool noMax = max >= float.MaxValue;
            if (noMin && noMax)
            {
                PassThrough();
            }
            else if (min == 0f && max == 6f)
            {
                Activation(FloatActivation.Relu6);
            }
            else if (min == 0f && noMax)
            {
                Activation(FloatActivation.Relu);
            }
            else
            {
                Unary(new UnaryLayer(UnaryFunction.Clip, noMin ? float.MinValue : min, noMax ? float.MaxValue : max));
            }
        }

        private float ScalarOr(int i, float fallback)
        {
            Const? c = OptionalConst(i, "Clip bound");
            if (c == null)
            {
                return fallback;
            }

            float[] v = c.Floats("Clip bound");
            if (v.Length != 1)
            {
                throw Malformed("a Clip bound must be a scalar");
            }

            return v[0];
        }

        private void BatchNorm()
        {
            Act x = ActInput(0);
            if (IntAttr("training_mode", 0) != 0)
            {
                throw Unsupported("training_mode = 1 is not supported");
            }

            float eps = FloatAttr("epsilon", 1e-5f);
            int ch = x.C;
            float[] Param(int i, string what)
            {
                float[] v = ConstInput(i, what).Floats(what);
                if (v.Length != ch)
                {
                    throw Malformed($"{what} has {v.Length} values for {ch} channels");
                }

                return v;
            }

            float[] gamma = Param(1, "scale"), beta = Param(2, "B"), mean = Param(3, "mean"), variance = Param(4, "var");
            var s = new float[ch];
            for (int c = 0; c < ch; c++)
            {
                s[c] = gamma[c] / MathF.Sqrt(variance[c] + eps);
            }

            if (x.Producer is not (DenseLayer or Conv2DLayer or DepthwiseConv2DLayer) || x.Perm != null
                || x.Producer is DenseLayer { Activation: not FloatActivation.None } or Conv2DLayer { Activation: not FloatActivation.None } or DepthwiseConv2DLayer { Activation: not FloatActivation.None })
            {
                if (x.Perm != null)
                {
                    throw Unsupported("BatchNormalization of a CHW-flattened tensor is not supported");
                }

                // Nothing to fold into: a per-channel affine map, which is a 1x1 depthwise convolution.
                var affine = new DepthwiseConv2DLayer(ch, 1, new WindowSpec(1, 1));
                for (int c = 0; c < ch; c++)
                {
                    affine.Weights[c] = s[c];
                    affine.Bias[c] = beta[c] - (mean[c] * s[c]);
                }

                AddLayer(affine, new Act(x.Layout, x.H, x.W, x.C, null, affine));
                return;
            }

            (float[] w, float[] b, Func<int, int> channelOf) = x.Producer switch
            {
                DenseLayer d => (d.Weights, d.Bias, new Func<int, int>(i => i / d.Inputs)),
                Conv2DLayer cv => (cv.Weights, cv.Bias, i => i / (cv.Weights.Length / cv.OutChannels)),
                DepthwiseConv2DLayer dw => (dw.Weights, dw.Bias, i => i % dw.OutChannels),
                _ => throw new InvalidOperationException("unreachable"),
            };

            for (int i = 0; i < w.Length; i++)
            {
                w[i] *= s[channelOf(i)];
            }

            for (int c = 0; c < ch; c++)
            {
                b[c] = ((b[c] - mean[c]) * s[c]) + beta[c];
            }

            Define(x.With(x.Producer));
        }

        private void Pool(bool max)
        {
            Act x = Spatial(0);
            if (IntAttr("ceil_mode", 0) != 0)
            {
                throw Unsupported("ceil_mode = 1 is not supported");
            }

            long[] ks = IntsAttr("kernel_shape") ?? throw Malformed("kernel_shape is required");
            if (ks.Length != 2 || ks.Any(k => k < 1 || k > MaxDim))
            {
                throw Unsupported($"kernel_shape [{string.Join(",", ks)}] must be two values in 1..{MaxDim}");
            }

            WindowSpec win = Window(x, (int)ks[0], (int)ks[1], "kernel");
            bool padded = win.PadTop + win.PadLeft + win.PadBottom + win.PadRight > 0;
            if (!max && padded && IntAttr("count_include_pad", 0) != 0)
            {
                throw Unsupported("count_include_pad = 1 with padding is not supported (padded positions are not counted)");
            }

            FloatLayer layer = max ? new MaxPool2DLayer(win) : new AveragePool2DLayer(win);
            AddLayer(layer, new Act(x.Layout, win.OutH(x.H), win.OutW(x.W), x.C, null, null));
        }

        private void GlobalPool(bool max)
        {
            Act x = Spatial(0);
            var win = new WindowSpec(x.H, x.W);
            FloatLayer layer = max ? new MaxPool2DLayer(win) : new AveragePool2DLayer(win);
            AddLayer(layer, new Act(x.Layout, 1, 1, x.C, null, null));
        }

        /// <summary>The mean over every spatial axis (H and W, or T): an average over the whole window.</summary>
        private void ReduceMean()
        {
            Act x = Spatial(0);
            long[] axes = (_opset >= 18 ? OptionalConst(1, "ReduceMean axes")?.Ints("ReduceMean axes") : IntsAttr("axes")) ?? [];
            int rank = x.Layout == Layout.Nct ? 3 : 4;
            long[] spatial = x.Layout == Layout.Nct ? [2L] : [2L, 3];
            if (!axes.Select(a => a < 0 ? a + rank : a).Order().SequenceEqual(spatial))
            {
                throw Unsupported($"axes [{string.Join(",", axes)}] of {x.Describe()}: only the mean over the spatial axes is supported");
            }

            var layer = new AveragePool2DLayer(new WindowSpec(x.H, x.W));
            bool keep = IntAttr("keepdims", 1) != 0;
            AddLayer(layer, new Act(keep ? x.Layout : Layout.Flat, 1, 1, x.C, null, null));
        }

        /// <summary>[N,C,H,W] or [N,H,W,C] → [N,C·H·W]; ONNX's CHW order becomes a permutation of ours.</summary>
        private void FlattenAct(Act x)
        {
            if (x.Layout == Layout.Flat)
            {
                Define(x.With(x.Producer));
                return;
            }

            int[]? perm = null;
            if (x.Layout is Layout.Nchw or Layout.Nct && x.C > 1 && x.H * x.W > 1)
            {
                perm = new int[x.C * x.H * x.W];
                int hw = x.H * x.W;
                for (int c = 0; c < x.C; c++)
                {
                    for (int p = 0; p < hw; p++)
                    {
                        perm[(c * hw) + p] = (p * x.C) + c;
                    }
                }
            }

            AddLayer(new FlattenLayer(), new Act(Layout.Flat, 1, 1, x.C * x.H * x.W, perm, null));
        }

        private void Flatten()
        {
            Act x = ActInput(0);
            long axis = IntAttr("axis", 1);
            if (axis != 1 && !(x.Layout == Layout.Flat && axis == -1))
            {
                throw Unsupported($"axis {axis}: only flattening everything but the batch (axis 1) is supported");
            }

            FlattenAct(x);
        }

        private void Reshape()
        {
            if (Input(0) is Const data)
            {
                Define(new Const(ReshapeDims(data, ConstInput(1, "Reshape shape").Ints("Reshape shape")), data.Ints("Reshape data")));
                return;
            }

            Act x = ActInput(0);
            long[] shape = ConstInput(1, "Reshape shape").Ints("Reshape shape");
            bool allowZero = IntAttr("allowzero", 0) != 0;
            long features = (long)x.C * x.H * x.W;
            long[] inDims = x.Layout switch
            {
                Layout.Nchw => [BatchMarker, x.C, x.H, x.W],
                Layout.Nct => [BatchMarker, x.C, x.W],
                Layout.Nhwc => [BatchMarker, x.H, x.W, x.C],
                _ => [BatchMarker, x.C],
            };
            bool IsBatch(long v, int i) =>
                v == BatchMarker || (v == 0 && i == 0 && !allowZero) || (_staticBatch is long b && v == b);
            bool IsFeatures(long v, int i) =>
                v == -1 || v == features || (v == 0 && !allowZero && i < inDims.Length && inDims[i] == features);

            if (shape.Length == 2 && ((IsBatch(shape[0], 0) && IsFeatures(shape[1], 1)) || (shape[0] == -1 && shape[1] == features)))
            {
                FlattenAct(x);
                return;
            }

            bool same = shape.Length == inDims.Length;
            for (int i = 0; same && i < shape.Length; i++)
            {
                same = i == 0 ? IsBatch(shape[0], 0) || shape[0] == -1 : shape[i] == inDims[i] || (shape[i] == 0 && !allowZero);
            }

            if (same)
            {
                Define(x.With(x.Producer));
                return;
            }

            throw Unsupported($"reshape of {x.Describe()} to [{string.Join(",", shape.Select(v => v == BatchMarker ? "N" : v.ToString(CultureInfo.InvariantCulture)))}]: only flattening to [N,-1] is supported");
        }

        private void Transpose()
        {
            if (Input(0) is Const data)
            {
                TransposeConst(data);
                return;
            }

            Act x = ActInput(0);
            long[] identity = x.Layout switch { Layout.Flat => [0L, 1], Layout.Nct => [0L, 1, 2], _ => [0L, 1, 2, 3] };
            long[] perm = IntsAttr("perm") ?? [.. identity.Reverse()];
            if (perm.SequenceEqual(identity))
            {
                Define(x.With(x.Producer));
            }
            else if (x.Layout == Layout.Nchw && perm.SequenceEqual([0L, 2, 3, 1]))
            {
                Define(new Act(Layout.Nhwc, x.H, x.W, x.C, null, null) { Tensor = x.Tensor });
            }
            else if (x.Layout == Layout.Nhwc && perm.SequenceEqual([0L, 3, 1, 2]))
            {
                Define(new Act(Layout.Nchw, x.H, x.W, x.C, null, null) { Tensor = x.Tensor });
            }
            else
            {
                throw Unsupported($"perm [{string.Join(",", perm)}] on {x.Describe()}: only NCHW <-> NHWC transposes are supported");
            }
        }

        private void Softmax()
        {
            Act x = ActInput(0);
            long axis = IntAttr("axis", _opset >= 13 ? -1 : 1);
            int rank = x.Layout switch { Layout.Flat => 2, Layout.Nct => 3, _ => 4 };
            if (axis < 0)
            {
                axis += rank;
            }

            // Opset 13 normalizes one axis; older opsets flatten from the axis on, which is the channel
            // softmax only when nothing but the channels lies after it.
            bool pointwise = x.H * x.W == 1;
            bool ok = x.Layout switch
            {
                Layout.Flat => axis == 1,
                Layout.Nchw or Layout.Nct => axis == 1 && (_opset >= 13 || pointwise),
                _ => axis == 3 || (axis == 1 && _opset < 13 && pointwise),
            };
            if (!ok)
            {
                throw Unsupported($"axis {axis} on {x.Describe()}: only softmax over the channels is supported");
            }

            AddLayer(new SoftmaxLayer(), new Act(x.Layout, x.H, x.W, x.C, x.Perm, null));
        }
    }
}
