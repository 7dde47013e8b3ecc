using Google.Protobuf;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Host.Tests.Modelling.Onnx.Proto;

public class TensorProtoTests
{
    [Fact]
    public void Tensor_data_that_does_not_match_its_dims_is_a_format_error()
    {
        TensorProto t = TensorProto.FromFloats("w", [2, 2], [1f, 2f, 3f, 4f]);
        t.Dims[1] = 3;
        var e = Assert.Throws<OnnxFormatException>(() => t.ToFloats());
        Assert.Contains("'w'", e.Message, StringComparison.Ordinal);
        t.Dims[1] = -1;
        Assert.Throws<OnnxFormatException>(() => t.ToFloats());
    }

    [Fact]
    public void Typed_tensor_fields_decode_like_raw_data()
    {
        var t = new TensorProto { Name = "i", ElementType = OnnxDataType.Int8 };
        t.Dims.Add(3);
        t.Int32Data.AddRange([-1, 5, 200]);
        Assert.Equal([-1L, 5, -56], t.ToInt64s());
        TensorProto raw = TensorProto.FromInt64s("s", [2], [0, -1]);
        Assert.Equal([0L, -1], TensorProto.Parser.ParseFrom(raw.ToByteArray()).ToInt64s());
    }

    [Fact]
    public void Tensors_kept_in_external_files_are_refused_by_name()
    {
        TensorProto t = TensorProto.FromFloats("w", [1], [1f]);
        t.DataLocation = TensorProto.Types.DataLocation.External;
        var e = Assert.Throws<OnnxUnsupportedException>(() => t.ToFloats());
        Assert.Contains("'w'", e.Message, StringComparison.Ordinal);
    }
}
