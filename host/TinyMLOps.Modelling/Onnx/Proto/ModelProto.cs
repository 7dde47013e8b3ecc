using System.Text;
using Google.Protobuf;

namespace TinyMLOps.Modelling.Onnx.Proto;

/// <summary>Our additions to the generated ModelProto: a parse that answers bad bytes with one ONNX error.</summary>
public sealed partial class ModelProto
{
    /// <summary>Largest model accepted (bytes); ONNX keeps anything near protobuf's 2 GB cap in external files.</summary>
    public const int MaxBytes = 1 << 30;

    /// <summary>Deepest message nesting accepted (graphs inside attributes inside nodes inside graphs...).</summary>
    public const int MaxDepth = 64;

    /// <summary>The opset version imported for the default ONNX domain ("" or "ai.onnx"); 0 when none.</summary>
    public long DefaultOpsetVersion =>
        OpsetImport.FirstOrDefault(o => o.Domain.Length == 0 || o.Domain == "ai.onnx")?.Version ?? 0;

    /// <summary>Decodes a serialized ModelProto; throws <see cref="OnnxFormatException"/> on malformed bytes.</summary>
    public static ModelProto Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > MaxBytes)
        {
            throw new OnnxFormatException($"the model is {bytes.Length} bytes, above the {MaxBytes} byte limit");
        }

        // Limits bound the stack (nesting) and the bytes read, so crafted files fail cleanly.
        using var stream = new MemoryStream(bytes, writable: false);
        using CodedInputStream input = CodedInputStream.CreateWithLimits(stream, MaxBytes, MaxDepth);
        try
        {
            return Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"protobuf: {e.Message}", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new OnnxFormatException($"protobuf: a string field is not valid UTF-8 ({e.Message})", e);
        }
    }
}
