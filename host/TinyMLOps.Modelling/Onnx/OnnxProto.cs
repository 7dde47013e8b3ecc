using System.Buffers.Binary;
using TinyMLOps.Modelling.Onnx.Protobuf;

namespace TinyMLOps.Modelling.Onnx;

// The subset of onnx.proto (IR version 3..10) that the importer and exporter use. Field numbers follow
// onnx/onnx.proto; fields not modelled here are skipped when reading and never written.

/// <summary>TensorProto.DataType values.</summary>
public enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
}

/// <summary>AttributeProto.AttributeType values.</summary>
public enum OnnxAttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
}

public sealed class ModelProto
{
    public long IrVersion { get; set; }

    public List<OperatorSetIdProto> OpsetImport { get; } = [];

    public string ProducerName { get; set; } = "";

    public string ProducerVersion { get; set; } = "";

    public string Domain { get; set; } = "";

    public long ModelVersion { get; set; }

    public string DocString { get; set; } = "";

    public GraphProto? Graph { get; set; }

    /// <summary>metadata_props as (key, value) pairs in file order.</summary>
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    /// <summary>Decodes a serialized ModelProto; throws <see cref="OnnxFormatException"/> on malformed bytes.</summary>
    public static ModelProto Parse(byte[] bytes)
    {
        var model = new ModelProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.Varint, "ir_version"); model.IrVersion = r.ReadInt64(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "producer_name"); model.ProducerName = r.ReadString(); break;
                case 3: r.Expect(wt, WireType.LengthDelimited, "producer_version"); model.ProducerVersion = r.ReadString(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited, "domain"); model.Domain = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.Varint, "model_version"); model.ModelVersion = r.ReadInt64(); break;
                case 6: r.Expect(wt, WireType.LengthDelimited, "doc_string"); model.DocString = r.ReadString(); break;
                case 7: r.Expect(wt, WireType.LengthDelimited, "graph"); model.Graph = GraphProto.Read(r.ReadMessage()); break;
                case 8: r.Expect(wt, WireType.LengthDelimited, "opset_import"); model.OpsetImport.Add(OperatorSetIdProto.Read(r.ReadMessage())); break;
                case 14: r.Expect(wt, WireType.LengthDelimited, "metadata_props"); model.MetadataProps.Add(ReadStringPair(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }

        return model;
    }

    public byte[] ToByteArray()
    {
        var w = new ProtoWriter(4096);
        w.WriteInt64(1, IrVersion);
        WriteIfSet(w, 2, ProducerName);
        WriteIfSet(w, 3, ProducerVersion);
        WriteIfSet(w, 4, Domain);
        if (ModelVersion != 0)
        {
            w.WriteInt64(5, ModelVersion);
        }

        WriteIfSet(w, 6, DocString);
        if (Graph != null)
        {
            w.WriteMessage(7, Graph.Write);
        }

        foreach (OperatorSetIdProto opset in OpsetImport)
        {
            w.WriteMessage(8, opset.Write);
        }

        foreach (KeyValuePair<string, string> kv in MetadataProps)
        {
            w.WriteMessage(14, m =>
            {
                m.WriteString(1, kv.Key);
                m.WriteString(2, kv.Value);
            });
        }

        return w.ToArray();
    }

    /// <summary>The opset version imported for the default ONNX domain ("" or "ai.onnx"); 0 when none.</summary>
    public long DefaultOpsetVersion
    {
        get
        {
            foreach (OperatorSetIdProto o in OpsetImport)
            {
                if (o.Domain.Length == 0 || o.Domain == "ai.onnx")
                {
                    return o.Version;
                }
            }

            return 0;
        }
    }

    internal static void WriteIfSet(ProtoWriter w, int field, string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WriteString(field, value);
        }
    }

    private static KeyValuePair<string, string> ReadStringPair(ProtoReader r)
    {
        string key = "";
        string value = "";
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "key"); key = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "value"); value = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }

        return new KeyValuePair<string, string>(key, value);
    }
}

public sealed class OperatorSetIdProto
{
    public OperatorSetIdProto()
    {
    }

    public OperatorSetIdProto(string domain, long version)
    {
        Domain = domain;
        Version = version;
    }

    public string Domain { get; set; } = "";

    public long Version { get; set; }

    internal static OperatorSetIdProto Read(ProtoReader r)
    {
        var o = new OperatorSetIdProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "opset domain"); o.Domain = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.Varint, "opset version"); o.Version = r.ReadInt64(); break;
                default: r.Skip(wt); break;
            }
        }

        return o;
    }

    internal void Write(ProtoWriter w)
    {
        ModelProto.WriteIfSet(w, 1, Domain);
        w.WriteInt64(2, Version);
    }
}

public sealed class GraphProto
{
    public List<NodeProto> Nodes { get; } = [];

    public string Name { get; set; } = "";

    public List<TensorProto> Initializers { get; } = [];

    public string DocString { get; set; } = "";

    public List<ValueInfoProto> Inputs { get; } = [];

    public List<ValueInfoProto> Outputs { get; } = [];

    public List<ValueInfoProto> ValueInfo { get; } = [];

    internal static GraphProto Read(ProtoReader r)
    {
        var g = new GraphProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "node"); g.Nodes.Add(NodeProto.Read(r.ReadMessage())); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "graph name"); g.Name = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited, "initializer"); g.Initializers.Add(TensorProto.Read(r.ReadMessage())); break;
                case 10: r.Expect(wt, WireType.LengthDelimited, "graph doc_string"); g.DocString = r.ReadString(); break;
                case 11: r.Expect(wt, WireType.LengthDelimited, "graph input"); g.Inputs.Add(ValueInfoProto.Read(r.ReadMessage())); break;
                case 12: r.Expect(wt, WireType.LengthDelimited, "graph output"); g.Outputs.Add(ValueInfoProto.Read(r.ReadMessage())); break;
                case 13: r.Expect(wt, WireType.LengthDelimited, "value_info"); g.ValueInfo.Add(ValueInfoProto.Read(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }

        return g;
    }

    internal void Write(ProtoWriter w)
    {
        foreach (NodeProto n in Nodes)
        {
            w.WriteMessage(1, n.Write);
        }

        ModelProto.WriteIfSet(w, 2, Name);
        foreach (TensorProto t in Initializers)
        {
            w.WriteMessage(5, t.Write);
        }

        ModelProto.WriteIfSet(w, 10, DocString);
        foreach (ValueInfoProto v in Inputs)
        {
            w.WriteMessage(11, v.Write);
        }

        foreach (ValueInfoProto v in Outputs)
        {
            w.WriteMessage(12, v.Write);
        }

        foreach (ValueInfoProto v in ValueInfo)
        {
            w.WriteMessage(13, v.Write);
        }
    }
}

public sealed class NodeProto
{
    public List<string> Inputs { get; } = [];

    public List<string> Outputs { get; } = [];

    public string Name { get; set; } = "";

    public string OpType { get; set; } = "";

    public string Domain { get; set; } = "";

    public List<AttributeProto> Attributes { get; } = [];

    public string DocString { get; set; } = "";

    /// <summary>"Conv 'conv1'" or "Conv #3": how error messages name the node.</summary>
    public string Describe(int index) => Name.Length != 0 ? $"{OpType} node '{Name}'" : $"{OpType} node #{index}";

    public AttributeProto? FindAttribute(string name)
    {
        AttributeProto? found = null;
        foreach (AttributeProto a in Attributes)
        {
            if (a.Name == name)
            {
                found = a;
            }
        }

        return found;
    }

    internal static NodeProto Read(ProtoReader r)
    {
        var n = new NodeProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "node input"); n.Inputs.Add(r.ReadString()); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "node output"); n.Outputs.Add(r.ReadString()); break;
                case 3: r.Expect(wt, WireType.LengthDelimited, "node name"); n.Name = r.ReadString(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited, "op_type"); n.OpType = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited, "attribute"); n.Attributes.Add(AttributeProto.Read(r.ReadMessage())); break;
                case 6: r.Expect(wt, WireType.LengthDelimited, "node doc_string"); n.DocString = r.ReadString(); break;
                case 7: r.Expect(wt, WireType.LengthDelimited, "node domain"); n.Domain = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }

        return n;
    }

    internal void Write(ProtoWriter w)
    {
        foreach (string s in Inputs)
        {
            w.WriteString(1, s);
        }

        foreach (string s in Outputs)
        {
            w.WriteString(2, s);
        }

        ModelProto.WriteIfSet(w, 3, Name);
        w.WriteString(4, OpType);
        foreach (AttributeProto a in Attributes)
        {
            w.WriteMessage(5, a.Write);
        }

        ModelProto.WriteIfSet(w, 6, DocString);
        ModelProto.WriteIfSet(w, 7, Domain);
    }
}

public sealed class AttributeProto
{
    public string Name { get; set; } = "";

    public string RefAttrName { get; set; } = "";

    public string DocString { get; set; } = "";

    public OnnxAttributeType Type { get; set; }

    public float F { get; set; }

    public long I { get; set; }

    public byte[] S { get; set; } = [];

    public TensorProto? T { get; set; }

    public GraphProto? G { get; set; }

    public List<float> Floats { get; } = [];

    public List<long> Ints { get; } = [];

    public List<byte[]> Strings { get; } = [];

    public List<TensorProto> Tensors { get; } = [];

    public List<GraphProto> Graphs { get; } = [];

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = OnnxAttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = OnnxAttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) => new() { Name = name, Type = OnnxAttributeType.String, S = System.Text.Encoding.UTF8.GetBytes(value) };

    public static AttributeProto Tensor(string name, TensorProto value) => new() { Name = name, Type = OnnxAttributeType.Tensor, T = value };

    public static AttributeProto IntList(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto FloatList(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = OnnxAttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    internal static AttributeProto Read(ProtoReader r)
    {
        var a = new AttributeProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "attribute name"); a.Name = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.Fixed32, "attribute f"); a.F = r.ReadFloat(); break;
                case 3: r.Expect(wt, WireType.Varint, "attribute i"); a.I = r.ReadInt64(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited, "attribute s"); a.S = r.ReadBytes(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited, "attribute t"); a.T = TensorProto.Read(r.ReadMessage()); break;
                case 6: r.Expect(wt, WireType.LengthDelimited, "attribute g"); a.G = GraphProto.Read(r.ReadMessage()); break;
                case 7: r.ReadRepeatedFloat(wt, a.Floats, "attribute floats"); break;
                case 8: r.ReadRepeatedInt64(wt, a.Ints, "attribute ints"); break;
                case 9: r.Expect(wt, WireType.LengthDelimited, "attribute strings"); a.Strings.Add(r.ReadBytes()); break;
                case 10: r.Expect(wt, WireType.LengthDelimited, "attribute tensors"); a.Tensors.Add(TensorProto.Read(r.ReadMessage())); break;
                case 11: r.Expect(wt, WireType.LengthDelimited, "attribute graphs"); a.Graphs.Add(GraphProto.Read(r.ReadMessage())); break;
                case 13: r.Expect(wt, WireType.LengthDelimited, "attribute doc_string"); a.DocString = r.ReadString(); break;
                case 20: r.Expect(wt, WireType.Varint, "attribute type"); a.Type = (OnnxAttributeType)r.ReadInt32(); break;
                case 21: r.Expect(wt, WireType.LengthDelimited, "ref_attr_name"); a.RefAttrName = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }

        return a;
    }

    internal void Write(ProtoWriter w)
    {
        w.WriteString(1, Name);
        switch (Type)
        {
            case OnnxAttributeType.Float: w.WriteFloat(2, F); break;
            case OnnxAttributeType.Int: w.WriteInt64(3, I); break;
            case OnnxAttributeType.String: w.WriteBytes(4, S); break;
            case OnnxAttributeType.Tensor when T != null: w.WriteMessage(5, T.Write); break;
            case OnnxAttributeType.Graph when G != null: w.WriteMessage(6, G.Write); break;
            case OnnxAttributeType.Floats: w.WritePackedFloat(7, Floats); break;
            case OnnxAttributeType.Ints: w.WritePackedInt64(8, Ints); break;
            case OnnxAttributeType.Strings:
                foreach (byte[] s in Strings)
                {
                    w.WriteBytes(9, s);
                }

                break;
            case OnnxAttributeType.Tensors:
                foreach (TensorProto t in Tensors)
                {
                    w.WriteMessage(10, t.Write);
                }

                break;
            case OnnxAttributeType.Graphs:
                foreach (GraphProto g in Graphs)
                {
                    w.WriteMessage(11, g.Write);
                }

                break;
            default:
                break;
        }

        ModelProto.WriteIfSet(w, 13, DocString);
        w.WriteInt32(20, (int)Type);
        ModelProto.WriteIfSet(w, 21, RefAttrName);
    }
}

/// <summary>A tensor: dims, element type and its data in raw_data or one of the typed repeated fields.</summary>
public sealed class TensorProto
{
    /// <summary>Largest tensor the decoder materializes (elements); bigger ones are refused as malformed.</summary>
    public const long MaxElements = 1L << 28;

    public List<long> Dims { get; } = [];

    public OnnxDataType DataType { get; set; }

    public List<float> FloatData { get; } = [];

    public List<int> Int32Data { get; } = [];

    public List<byte[]> StringData { get; } = [];

    public List<long> Int64Data { get; } = [];

    public string Name { get; set; } = "";

    public string DocString { get; set; } = "";

    public byte[] RawData { get; set; } = [];

    public List<double> DoubleData { get; } = [];

    public List<ulong> UInt64Data { get; } = [];

    /// <summary>data_location: 0 = data in this message, 1 = external file (not supported).</summary>
    public int DataLocation { get; set; }

    public bool HasExternalData { get; set; }

    public static TensorProto FromFloats(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values)
    {
        var t = Create(name, OnnxDataType.Float, dims, values.Length);
        t.RawData = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(t.RawData.AsSpan(i * 4, 4), values[i]);
        }

        return t;
    }

    public static TensorProto FromInt32s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<int> values)
    {
        var t = Create(name, OnnxDataType.Int32, dims, values.Length);
        t.RawData = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(t.RawData.AsSpan(i * 4, 4), values[i]);
        }

        return t;
    }

    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values)
    {
        var t = Create(name, OnnxDataType.Int64, dims, values.Length);
        t.RawData = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(t.RawData.AsSpan(i * 8, 8), values[i]);
        }

        return t;
    }

    public static TensorProto FromInt8s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<sbyte> values)
    {
        var t = Create(name, OnnxDataType.Int8, dims, values.Length);
        t.RawData = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            t.RawData[i] = unchecked((byte)values[i]);
        }

        return t;
    }

    public static TensorProto FromUInt8s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<byte> values)
    {
        var t = Create(name, OnnxDataType.UInt8, dims, values.Length);
        t.RawData = values.ToArray();
        return t;
    }

    /// <summary>Number of elements (product of dims; 1 for a scalar), checked for negative dims and overflow.</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Dims)
            {
                if (d < 0)
                {
                    throw new OnnxFormatException($"tensor '{Name}' has negative dimension {d}");
                }

                if (d != 0 && n > MaxElements / d)
                {
                    throw new OnnxFormatException($"tensor '{Name}' has more than {MaxElements} elements");
                }

                n *= d;
            }

            return n;
        }
    }

    /// <summary>The values as floats (FLOAT or DOUBLE tensors).</summary>
    public float[] ToFloats()
    {
        int n = CheckedCount();
        switch (DataType)
        {
            case OnnxDataType.Float:
                if (RawData.Length != 0)
                {
                    RequireRaw(n, 4);
                    var f = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        f[i] = BinaryPrimitives.ReadSingleLittleEndian(RawData.AsSpan(i * 4, 4));
                    }

                    return f;
                }

                RequireTyped(FloatData.Count, n, "float_data");
                return [.. FloatData];
            case OnnxDataType.Double:
                if (RawData.Length != 0)
                {
                    RequireRaw(n, 8);
                    var d = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        d[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(RawData.AsSpan(i * 8, 8));
                    }

                    return d;
                }

                RequireTyped(DoubleData.Count, n, "double_data");
                return DoubleData.Select(v => (float)v).ToArray();
            default:
                throw new OnnxUnsupportedException($"tensor '{Name}' has element type {DataType}, expected float");
        }
    }

    /// <summary>The values of an integer or bool tensor, widened to long.</summary>
    public long[] ToInt64s()
    {
        int n = CheckedCount();
        int size = DataType switch
        {
            OnnxDataType.Int64 or OnnxDataType.UInt64 => 8,
            OnnxDataType.Int32 or OnnxDataType.UInt32 => 4,
            OnnxDataType.Int16 or OnnxDataType.UInt16 => 2,
            OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool => 1,
            _ => throw new OnnxUnsupportedException($"tensor '{Name}' has element type {DataType}, expected an integer type"),
        };
        var v = new long[n];
        if (RawData.Length != 0)
        {
            RequireRaw(n, size);
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> b = RawData.AsSpan(i * size, size);
                v[i] = DataType switch
                {
                    OnnxDataType.Int64 or OnnxDataType.UInt64 => BinaryPrimitives.ReadInt64LittleEndian(b),
                    OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
                    OnnxDataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
                    OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                    OnnxDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
                    OnnxDataType.Int8 => (sbyte)b[0],
                    _ => b[0],
                };
            }

            return v;
        }

        switch (DataType)
        {
            case OnnxDataType.Int64:
                RequireTyped(Int64Data.Count, n, "int64_data");
                Int64Data.CopyTo(v);
                break;
            case OnnxDataType.UInt64:
            case OnnxDataType.UInt32:
                RequireTyped(UInt64Data.Count, n, "uint64_data");
                for (int i = 0; i < n; i++)
                {
                    v[i] = (long)UInt64Data[i];
                }

                break;
            default:
                RequireTyped(Int32Data.Count, n, "int32_data");
                for (int i = 0; i < n; i++)
                {
                    v[i] = DataType switch
                    {
                        OnnxDataType.Int8 => (sbyte)Int32Data[i],
                        OnnxDataType.UInt8 or OnnxDataType.Bool => (byte)Int32Data[i],
                        OnnxDataType.Int16 => (short)Int32Data[i],
                        OnnxDataType.UInt16 => (ushort)Int32Data[i],
                        _ => Int32Data[i],
                    };
                }

                break;
        }

        return v;
    }

    internal static TensorProto Read(ProtoReader r)
    {
        var t = new TensorProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.ReadRepeatedInt64(wt, t.Dims, "dims"); break;
                case 2: r.Expect(wt, WireType.Varint, "data_type"); t.DataType = (OnnxDataType)r.ReadInt32(); break;
                case 4: r.ReadRepeatedFloat(wt, t.FloatData, "float_data"); break;
                case 5: r.ReadRepeatedInt32(wt, t.Int32Data, "int32_data"); break;
                case 6: r.Expect(wt, WireType.LengthDelimited, "string_data"); t.StringData.Add(r.ReadBytes()); break;
                case 7: r.ReadRepeatedInt64(wt, t.Int64Data, "int64_data"); break;
                case 8: r.Expect(wt, WireType.LengthDelimited, "tensor name"); t.Name = r.ReadString(); break;
                case 9: r.Expect(wt, WireType.LengthDelimited, "raw_data"); t.RawData = r.ReadBytes(); break;
                case 10: r.ReadRepeatedDouble(wt, t.DoubleData, "double_data"); break;
                case 11: r.ReadRepeatedUInt64(wt, t.UInt64Data, "uint64_data"); break;
                case 12: r.Expect(wt, WireType.LengthDelimited, "tensor doc_string"); t.DocString = r.ReadString(); break;
                case 13: r.Expect(wt, WireType.LengthDelimited, "external_data"); r.Skip(wt); t.HasExternalData = true; break;
                case 14: r.Expect(wt, WireType.Varint, "data_location"); t.DataLocation = r.ReadInt32(); break;
                default: r.Skip(wt); break;
            }
        }

        return t;
    }

    internal void Write(ProtoWriter w)
    {
        w.WritePackedInt64(1, Dims);
        w.WriteInt32(2, (int)DataType);
        w.WritePackedFloat(4, FloatData);
        w.WritePackedInt32(5, Int32Data);
        foreach (byte[] s in StringData)
        {
            w.WriteBytes(6, s);
        }

        w.WritePackedInt64(7, Int64Data);
        ModelProto.WriteIfSet(w, 8, Name);
        if (RawData.Length != 0)
        {
            w.WriteBytes(9, RawData);
        }

        w.WritePackedDouble(10, DoubleData);
        if (UInt64Data.Count != 0)
        {
            w.WritePackedInt64(11, UInt64Data.Select(u => (long)u).ToArray());
        }

        ModelProto.WriteIfSet(w, 12, DocString);
    }

    private static TensorProto Create(string name, OnnxDataType type, ReadOnlySpan<long> dims, int count)
    {
        var t = new TensorProto { Name = name, DataType = type };
        t.Dims.AddRange(dims);
        if (t.ElementCount != count)
        {
            throw new ArgumentException($"tensor '{name}': dims hold {t.ElementCount} elements, {count} values given");
        }

        return t;
    }

    private int CheckedCount()
    {
        if (DataLocation == 1 || HasExternalData)
        {
            throw new OnnxUnsupportedException($"tensor '{Name}' keeps its data in an external file, which is not supported");
        }

        return (int)ElementCount;
    }

    private void RequireRaw(int n, int size)
    {
        if (RawData.Length != (long)n * size)
        {
            throw new OnnxFormatException($"tensor '{Name}': raw_data has {RawData.Length} bytes, dims {FormatDims()} of {DataType} need {(long)n * size}");
        }
    }

    private void RequireTyped(int have, int n, string field)
    {
        if (have != n)
        {
            throw new OnnxFormatException($"tensor '{Name}': {field} has {have} values, dims {FormatDims()} need {n}");
        }
    }

    private string FormatDims() => "[" + string.Join(",", Dims) + "]";
}

public sealed class ValueInfoProto
{
    public string Name { get; set; } = "";

    public TypeProto? Type { get; set; }

    public string DocString { get; set; } = "";

    /// <summary>A tensor value info; a dim given as a string is symbolic (dim_param), a long is fixed.</summary>
    public static ValueInfoProto Tensor(string name, OnnxDataType elemType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dims.Add(d switch
            {
                string p => new TensorShapeProto.Dimension { DimParam = p },
                int i => new TensorShapeProto.Dimension { DimValue = i },
                long l => new TensorShapeProto.Dimension { DimValue = l },
                _ => throw new ArgumentException("a dim is a string (symbolic) or an integer"),
            });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.TensorTypeProto { ElemType = elemType, Shape = shape } } };
    }

    internal static ValueInfoProto Read(ProtoReader r)
    {
        var v = new ValueInfoProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "value_info name"); v.Name = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "value_info type"); v.Type = TypeProto.Read(r.ReadMessage()); break;
                case 3: r.Expect(wt, WireType.LengthDelimited, "value_info doc_string"); v.DocString = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }

        return v;
    }

    internal void Write(ProtoWriter w)
    {
        w.WriteString(1, Name);
        if (Type != null)
        {
            w.WriteMessage(2, Type.Write);
        }

        ModelProto.WriteIfSet(w, 3, DocString);
    }
}

public sealed class TypeProto
{
    /// <summary>Set for tensor types; other kinds (sequence, map, optional, sparse) are skipped when reading.</summary>
    public TensorTypeProto? TensorType { get; set; }

    public string Denotation { get; set; } = "";

    internal static TypeProto Read(ProtoReader r)
    {
        var t = new TypeProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "tensor_type"); t.TensorType = TensorTypeProto.Read(r.ReadMessage()); break;
                case 6: r.Expect(wt, WireType.LengthDelimited, "denotation"); t.Denotation = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }

        return t;
    }

    internal void Write(ProtoWriter w)
    {
        if (TensorType != null)
        {
            w.WriteMessage(1, TensorType.Write);
        }

        ModelProto.WriteIfSet(w, 6, Denotation);
    }

    /// <summary>TypeProto.Tensor: element type and (optional) shape.</summary>
    public sealed class TensorTypeProto
    {
        public OnnxDataType ElemType { get; set; }

        public TensorShapeProto? Shape { get; set; }

        internal static TensorTypeProto Read(ProtoReader r)
        {
            var t = new TensorTypeProto();
            while (r.TryReadTag(out int field, out WireType wt))
            {
                switch (field)
                {
                    case 1: r.Expect(wt, WireType.Varint, "elem_type"); t.ElemType = (OnnxDataType)r.ReadInt32(); break;
                    case 2: r.Expect(wt, WireType.LengthDelimited, "shape"); t.Shape = TensorShapeProto.Read(r.ReadMessage()); break;
                    default: r.Skip(wt); break;
                }
            }

            return t;
        }

        internal void Write(ProtoWriter w)
        {
            w.WriteInt32(1, (int)ElemType);
            if (Shape != null)
            {
                w.WriteMessage(2, Shape.Write);
            }
        }
    }
}

public sealed class TensorShapeProto
{
    public List<Dimension> Dims { get; } = [];

    internal static TensorShapeProto Read(ProtoReader r)
    {
        var s = new TensorShapeProto();
        while (r.TryReadTag(out int field, out WireType wt))
        {
            if (field == 1)
            {
                r.Expect(wt, WireType.LengthDelimited, "dim");
                s.Dims.Add(Dimension.Read(r.ReadMessage()));
            }
            else
            {
                r.Skip(wt);
            }
        }

        return s;
    }

    internal void Write(ProtoWriter w)
    {
        foreach (Dimension d in Dims)
        {
            w.WriteMessage(1, d.Write);
        }
    }

    /// <summary>One dimension: a fixed value, a symbolic name, or neither (unknown).</summary>
    public sealed class Dimension
    {
        public long? DimValue { get; set; }

        public string? DimParam { get; set; }

        public string Denotation { get; set; } = "";

        public override string ToString() => DimValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? DimParam ?? "?";

        internal static Dimension Read(ProtoReader r)
        {
            var d = new Dimension();
            while (r.TryReadTag(out int field, out WireType wt))
            {
                switch (field)
                {
                    case 1: r.Expect(wt, WireType.Varint, "dim_value"); d.DimValue = r.ReadInt64(); d.DimParam = null; break;
                    case 2: r.Expect(wt, WireType.LengthDelimited, "dim_param"); d.DimParam = r.ReadString(); d.DimValue = null; break;
                    case 3: r.Expect(wt, WireType.LengthDelimited, "denotation"); d.Denotation = r.ReadString(); break;
                    default: r.Skip(wt); break;
                }
            }

            return d;
        }

        internal void Write(ProtoWriter w)
        {
            if (DimValue is long v)
            {
                w.WriteInt64(1, v);
            }
            else if (DimParam != null)
            {
                w.WriteString(2, DimParam);
            }

            ModelProto.WriteIfSet(w, 3, Denotation);
        }
    }
}
