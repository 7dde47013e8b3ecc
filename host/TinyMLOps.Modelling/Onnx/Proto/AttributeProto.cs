using Google.Protobuf;
using AttributeType = TinyMLOps.Modelling.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace TinyMLOps.Modelling.Onnx.Proto;

/// <summary>Our additions to the generated AttributeProto: typed factories for the exporter.</summary>
public sealed partial class AttributeProto
{
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Tensor(string name, TensorProto value) => new() { Name = name, Type = AttributeType.Tensor, T = value };

    public static AttributeProto IntList(string name, params long[] values) => new() { Name = name, Type = AttributeType.Ints, Ints = { values } };

    public static AttributeProto FloatList(string name, params float[] values) => new() { Name = name, Type = AttributeType.Floats, Floats = { values } };
}
