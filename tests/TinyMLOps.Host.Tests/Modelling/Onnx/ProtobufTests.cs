using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Protobuf;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

public class ProtobufTests
{
    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(127UL)]
    [InlineData(128UL)]
    [InlineData(300UL)]
    [InlineData(0xFFFFFFFFUL)]
    [InlineData(0x8000000000000000UL)]
    [InlineData(ulong.MaxValue)]
    public void Varints_round_trip(ulong value)
    {
        var w = new ProtoWriter();
        w.WriteVarint(value);
        var r = new ProtoReader(w.ToArray());
        Assert.Equal(value, r.ReadVarint());
        Assert.True(r.AtEnd);
    }

    [Fact]
    public void Negative_int32_is_sign_extended_to_ten_bytes_and_reads_back()
    {
        var w = new ProtoWriter();
        w.WriteInt32(5, -2);
        byte[] bytes = w.ToArray();
        Assert.Equal(11, bytes.Length);
        var r = new ProtoReader(bytes);
        Assert.True(r.TryReadTag(out int field, out WireType wt));
        Assert.Equal((5, WireType.Varint), (field, wt));
        Assert.Equal(-2, r.ReadInt32());
    }

    [Fact]
    public void Repeated_scalars_are_read_packed_and_unpacked()
    {
        // dims 2, 3 unpacked, then 4 packed; float_data 1.5 unpacked and 2.5 packed.
        var w = new ProtoWriter();
        w.WriteInt64(1, 2);
        w.WriteInt64(1, 3);
        w.WritePackedInt64(1, [4]);
        w.WriteFloat(4, 1.5f);
        w.WritePackedFloat(4, [2.5f, 3.5f]);
        w.WriteInt32(2, (int)OnnxDataType.Float);
        var model = new ProtoWriter();
        model.WriteMessage(7, g => g.WriteBytes(5, w.WrittenSpan));
        GraphProto graph = ModelProto.Parse(model.ToArray()).Graph!;
        TensorProto t = Assert.Single(graph.Initializers);
        Assert.Equal([2L, 3, 4], t.Dims);
        Assert.Equal([1.5f, 2.5f, 3.5f], t.FloatData);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        var w = new ProtoWriter();
        w.WriteInt64(1, 7);
        w.WriteInt64(99, 12345);
        w.WriteFloat(98, 1f);
        w.WriteTag(97, WireType.Fixed64);
        w.WriteRaw(new byte[8]);
        w.WriteBytes(96, [1, 2, 3]);
        w.WriteString(2, "producer");
        ModelProto m = ModelProto.Parse(w.ToArray());
        Assert.Equal(7, m.IrVersion);
        Assert.Equal("producer", m.ProducerName);
    }

    [Fact]
    public void A_model_round_trips_through_its_bytes()
    {
        byte[] bytes = OnnxTestSupport.Fixture("pytorch_cnn.onnx");
        ModelProto m = ModelProto.Parse(bytes);
        byte[] again = m.ToByteArray();
        ModelProto m2 = ModelProto.Parse(again);
        Assert.Equal(again, m2.ToByteArray());
        Assert.Equal(m.Graph!.Nodes.Select(n => n.OpType), m2.Graph!.Nodes.Select(n => n.OpType));
        Assert.Equal(m.Graph.Initializers.Select(t => t.ToFloats().Sum()), m2.Graph.Initializers.Select(t => t.ToFloats().Sum()));
        Assert.Equal(13, m2.DefaultOpsetVersion);
        Assert.Equal("batch_size", m2.Graph.Inputs[0].Type!.TensorType!.Shape!.Dims[0].DimParam);
    }

    [Theory]
    [InlineData(new byte[] { 0x08 }, "truncated varint")]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "varint")]
    [InlineData(new byte[] { 0x12, 0x05, 0x61 }, "runs past the end")]
    [InlineData(new byte[] { 0x0B }, "group")]
    [InlineData(new byte[] { 0x0F }, "invalid wire type")]
    [InlineData(new byte[] { 0x00 }, "field number 0")]
    [InlineData(new byte[] { 0x7D, 0x01, 0x02 }, "truncated fixed32")]
    [InlineData(new byte[] { 0x3A, 0x02, 0x0A, 0x05 }, "runs past the end")]
    [InlineData(new byte[] { 0x0A, 0x01, 0x05 }, "ir_version has wire type 2")]
    public void Malformed_wire_data_raises_a_clear_format_error(byte[] bytes, string expected)
    {
        var e = Assert.Throws<OnnxFormatException>(() => ModelProto.Parse(bytes));
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Deeply_nested_messages_are_refused()
    {
        // A graph attribute holding a graph whose node holds a graph attribute... 100 levels deep.
        byte[] inner = [];
        for (int i = 0; i < 100; i++)
        {
            var node = new ProtoWriter();
            node.WriteMessage(5, a => a.WriteBytes(6, inner));
            var graph = new ProtoWriter();
            graph.WriteBytes(1, node.WrittenSpan);
            inner = graph.ToArray();
        }

        var model = new ProtoWriter();
        model.WriteBytes(7, inner);
        var e = Assert.Throws<OnnxFormatException>(() => ModelProto.Parse(model.ToArray()));
        Assert.Contains("nested", e.Message, StringComparison.Ordinal);
    }

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
        var t = new TensorProto { Name = "i", DataType = OnnxDataType.Int8 };
        t.Dims.Add(3);
        t.Int32Data.AddRange([-1, 5, 200]);
        Assert.Equal([-1L, 5, -56], t.ToInt64s());
        TensorProto raw = TensorProto.FromInt64s("s", [2], [0, -1]);
        Assert.Equal([0L, -1], ModelProtoRoundTrip(raw).ToInt64s());
    }

    private static TensorProto ModelProtoRoundTrip(TensorProto t)
    {
        var g = new GraphProto();
        g.Initializers.Add(t);
        var m = new ModelProto { IrVersion = 7, Graph = g };
        return ModelProto.Parse(m.ToByteArray()).Graph!.Initializers[0];
    }
}
