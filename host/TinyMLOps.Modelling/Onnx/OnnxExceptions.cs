namespace TinyMLOps.Modelling.Onnx;

/// <summary>
/// The bytes are not a well-formed ONNX model: broken protobuf wire data, a truncated message, a tensor whose
/// data does not match its dims, or a graph that references names it never defines.
/// </summary>
public sealed class OnnxFormatException : Exception
{
    public OnnxFormatException(string message)
        : base(message)
    {
    }

    public OnnxFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A well-formed ONNX model that uses an operator, attribute or graph shape outside what the importer maps onto a
/// <see cref="Float.FloatModel"/>. The message names the node.
/// </summary>
public sealed class OnnxUnsupportedException : NotSupportedException
{
    public OnnxUnsupportedException(string message)
        : base(message)
    {
    }
}
