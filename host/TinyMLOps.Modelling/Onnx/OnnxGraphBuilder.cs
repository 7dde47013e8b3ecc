using TinyMLOps.Modelling.Onnx.Proto;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Modelling.Onnx;

/// <summary>Builds a <see cref="GraphProto"/> node by node with unique tensor names; used by the exporter.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _nodeCount;

    public OnnxGraphBuilder(string name)
    {
        Graph = new GraphProto { Name = name };
    }

    public GraphProto Graph { get; }

    /// <summary>A fresh tensor name starting with the hint.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        for (int i = 1; !_names.Add(name); i++)
        {
            name = $"{hint}_{i}";
        }

        return name;
    }

    public string Input(string name, OnnxDataType type, params object[] dims)
    {
        string n = Fresh(name);
        Graph.Input.Add(ValueInfoProto.Tensor(n, type, dims));
        return n;
    }

    public void Output(string tensor, OnnxDataType type, params object[] dims)
    {
        Graph.Output.Add(ValueInfoProto.Tensor(tensor, type, dims));
    }

    public string Initializer(TensorProto tensor)
    {
        tensor.Name = Fresh(tensor.Name);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string Floats(string name, float[] values, params long[] dims) => Initializer(TensorProto.FromFloats(name, dims, values));

    public string FloatScalar(string name, float value) => Initializer(TensorProto.FromFloats(name, [], [value]));

    public string Int8Scalar(string name, int value) => Initializer(TensorProto.FromInt8s(name, [], [(sbyte)value]));

    public string UInt8Scalar(string name, int value) => Initializer(TensorProto.FromUInt8s(name, [], [(byte)value]));

    public string Int64Scalar(string name, long value) => Initializer(TensorProto.FromInt64s(name, [], [value]));

    public string Int64s(string name, params long[] values) => Initializer(TensorProto.FromInt64s(name, [values.Length], values));

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, string outputHint, string[] inputs, params AttributeProto[] attributes)
    {
        string output = Fresh(outputHint);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodeCount++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Wraps the graph into a model with the default-domain opset given.</summary>
    public ModelProto ToModel(long opset, string docString)
    {
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "TinyMLOps",
            ProducerVersion = "1",
            DocString = docString,
            Graph = Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }
}
