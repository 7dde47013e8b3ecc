using Google.Protobuf;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Host.Tests.Modelling.Onnx.Proto;

/// <summary>The generated ONNX classes read what proto2 writers (PyTorch, onnx) write, and bad bytes get one ONNX error.</summary>
public class ModelProtoTests
{
    [Fact]
    public void Repeated_scalars_are_read_packed_and_unpacked()
    {
        // proto2 writers send repeated scalars unpacked: dims 2, 3 unpacked, then 4 packed; float_data likewise.
        byte[] tensor = Wire(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(2);
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(3);
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(4));
            o.WriteTag(4, WireFormat.WireType.Fixed32);
            o.WriteFloat(1.5f);
            o.WriteTag(4, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom([.. BitConverter.GetBytes(2.5f), .. BitConverter.GetBytes(3.5f)]));
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt32((int)OnnxDataType.Float);
        });
        TensorProto t = Assert.Single(ModelProto.Parse(Message(7, Message(5, tensor))).Graph.Initializer);
        Assert.Equal([2L, 3, 4], t.Dims);
        Assert.Equal([1.5f, 2.5f, 3.5f], t.FloatData);
        Assert.Equal(OnnxDataType.Float, t.ElementType);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        byte[] bytes = Wire(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(7);
            o.WriteTag(99, WireFormat.WireType.Varint);
            o.WriteInt64(12345);
            o.WriteTag(98, WireFormat.WireType.Fixed32);
            o.WriteFloat(1f);
            o.WriteTag(97, WireFormat.WireType.Fixed64);
            o.WriteDouble(2.0);
            o.WriteTag(96, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(1, 2, 3));
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString("producer");
        });
        ModelProto m = ModelProto.Parse(bytes);
        Assert.Equal(7, m.IrVersion);
        Assert.Equal("producer", m.ProducerName);
    }

    [Fact]
    public void A_model_round_trips_through_its_bytes()
    {
        ModelProto m = ModelProto.Parse(OnnxTestSupport.Fixture("pytorch_cnn.onnx"));
        byte[] again = m.ToByteArray();
        ModelProto m2 = ModelProto.Parse(again);
        Assert.Equal(again, m2.ToByteArray());
        Assert.Equal(m.Graph.Node.Select(n => n.OpType), m2.Graph.Node.Select(n => n.OpType));
        Assert.Equal(m.Graph.Initializer.Select(t => t.ToFloats().Sum()), m2.Graph.Initializer.Select(t => t.ToFloats().Sum()));
        Assert.Equal(13, m2.DefaultOpsetVersion);
        Assert.Equal("batch_size", m2.Graph.Input[0].Type.TensorType.Shape.Dim[0].Text);
    }

    [Theory]
    [InlineData(new byte[] { 0x08 })]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData(new byte[] { 0x12, 0x05, 0x61 })]
    [InlineData(new byte[] { 0x0B })]
    [InlineData(new byte[] { 0x0F })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x7D, 0x01, 0x02 })]
    [InlineData(new byte[] { 0x3A, 0x02, 0x0A, 0x05 })]
    [InlineData(new byte[] { 0x12, 0x02, 0xC3, 0x28 })]
    public void Malformed_wire_data_raises_a_one_line_format_error(byte[] bytes)
    {
        var e = Assert.Throws<OnnxFormatException>(() => ModelProto.Parse(bytes));
        Assert.StartsWith("protobuf: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Deeply_nested_messages_are_refused()
    {
        // A graph attribute holding a graph whose node holds a graph attribute... 100 levels deep.
        byte[] inner = [];
        for (int i = 0; i < 100; i++)
        {
            inner = Message(1, Message(5, Message(6, inner)));
        }

        var e = Assert.Throws<OnnxFormatException>(() => ModelProto.Parse(Message(7, inner)));
        Assert.Contains("nesting", e.Message, StringComparison.Ordinal);
    }

    /// <summary>One length-delimited field holding the bytes given.</summary>
    private static byte[] Message(int field, byte[] body) => Wire(o =>
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(body));
    });

    private static byte[] Wire(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }
}
