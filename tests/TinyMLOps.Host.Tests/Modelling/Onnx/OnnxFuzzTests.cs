using Google.Protobuf;
using Google.Protobuf.Collections;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using TinyMLOps.Shared.Model;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

/// <summary>
/// Seeded random corruption of real ONNX files: the importer may only ever answer with a model,
/// <see cref="OnnxFormatException"/> or <see cref="OnnxUnsupportedException"/>.
/// </summary>
public class OnnxFuzzTests(ITestOutputHelper output)
{
    public static TheoryData<string> Sources => ["pytorch_cnn.onnx", "pytorch_view_cnn.onnx", "exported_float", "exported_int8"];

    [Theory]
    [MemberData(nameof(Sources))]
    public void Thousands_of_random_mutations_raise_only_onnx_exceptions(string source)
    {
        byte[] original = Load(source);
        var rng = new Random(12345 + source.Sum(ch => ch));
        int imported = 0, format = 0, unsupported = 0;
        const int iterations = 5000;
        for (int i = 0; i < iterations; i++)
        {
            byte[] mutated = Mutate(original, rng, out string how);
            try
            {
                OnnxImporter.Import(mutated);
                imported++;
            }
            catch (OnnxFormatException)
            {
                format++;
            }
            catch (OnnxUnsupportedException)
            {
                unsupported++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{source} mutation {i} ({how}) threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        output.WriteLine($"{source}: {iterations} mutations → {imported} imported, {format} OnnxFormatException, {unsupported} OnnxUnsupportedException");
    }

    [Fact]
    public void Thousands_of_structural_mutations_raise_only_onnx_exceptions()
    {
        // Well-formed protobuf, wrong meaning: odd attribute values, initializer dims, op types, rewired inputs.
        byte[][] sources = [Load("pytorch_cnn.onnx"), Load("pytorch_view_cnn.onnx"), Load("exported_float")];
        long[] values = [-2, -1, 0, 1, 2, 3, 4, 7, 28, 100, 4096, 5000, int.MaxValue, long.MinValue, long.MaxValue];
        string[] ops = ["Relu", "Clip", "Conv", "Gemm", "MatMul", "Add", "Flatten", "Reshape", "Softmax", "Transpose", "Identity", "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Constant"];
        string[] listAttributes = ["pads", "strides", "kernel_shape", "perm", "axes", "dilations"];
        string[] intAttributes = ["group", "axis", "transB", "transA", "to", "count_include_pad", "allowzero", "start", "end", "ceil_mode"];
        var rng = new Random(7);
        int imported = 0;
        const int iterations = 4000;
        for (int i = 0; i < iterations; i++)
        {
            GraphProto g = ModelProto.Parse(sources[i % sources.Length]).Graph!;
            long V() => values[rng.Next(values.Length)];
            NodeProto RandomNode() => g.Node[rng.Next(g.Node.Count)];
            for (int k = 1 + rng.Next(3); k > 0; k--)
            {
                switch (rng.Next(8))
                {
                    case 0:
                        NodeProto n0 = RandomNode();
                        if (n0.Attribute.Count > 0)
                        {
                            AttributeProto a = n0.Attribute[rng.Next(n0.Attribute.Count)];
                            if (a.Ints.Count > 0)
                            {
                                a.Ints[rng.Next(a.Ints.Count)] = V();
                            }
                            else
                            {
                                a.I = V();
                            }
                        }

                        break;
                    case 1:
                        TensorProto t = g.Initializer[rng.Next(g.Initializer.Count)];
                        if (t.Dims.Count > 0)
                        {
                            t.Dims[rng.Next(t.Dims.Count)] = V();
                        }

                        break;
                    case 2:
                        RandomNode().OpType = ops[rng.Next(ops.Length)];
                        break;
                    case 3:
                        NodeProto n3 = RandomNode();
                        if (n3.Input.Count > 0)
                        {
                            n3.Input[rng.Next(n3.Input.Count)] = RandomNode().Output[0];
                        }

                        break;
                    case 4:
                        RepeatedField<TensorShapeProto.Types.Dimension> dims = g.Input[0].Type!.TensorType!.Shape!.Dim;
                        dims[rng.Next(dims.Count)].DimValue = V();
                        break;
                    case 5:
                        RandomNode().Attribute.Add(AttributeProto.IntList(listAttributes[rng.Next(listAttributes.Length)], Enumerable.Range(0, rng.Next(6)).Select(_ => V()).ToArray()));
                        break;
                    case 6:
                        RandomNode().Attribute.Add(AttributeProto.Int(intAttributes[rng.Next(intAttributes.Length)], V()));
                        break;
                    default:
                        if (g.Node.Count > 1)
                        {
                            g.Node.RemoveAt(rng.Next(g.Node.Count));
                        }

                        break;
                }
            }

            try
            {
                var model = new ModelProto { IrVersion = 7, Graph = g };
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = i % 2 == 0 ? 13 : 11 });
                OnnxImporter.Import(model.ToByteArray());
                imported++;
            }
            catch (Exception e) when (e is OnnxFormatException or OnnxUnsupportedException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"structural mutation {i} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        output.WriteLine($"{iterations} structural mutations → {imported} still imported, the rest rejected with ONNX exceptions");
    }

    [Fact]
    public void Every_truncation_of_a_model_is_rejected_cleanly()
    {
        byte[] original = Load("pytorch_view_cnn.onnx");
        for (int len = 0; len < original.Length; len += len < 512 ? 1 : 37)
        {
            byte[] cut = original[..len];
            try
            {
                OnnxImporter.Import(cut);
            }
            catch (Exception e) when (e is OnnxFormatException or OnnxUnsupportedException)
            {
            }
        }
    }

    [Fact]
    public void Random_bytes_are_rejected_cleanly()
    {
        var rng = new Random(777);
        for (int i = 0; i < 3000; i++)
        {
            var bytes = new byte[rng.Next(0, 200)];
            rng.NextBytes(bytes);
            try
            {
                OnnxImporter.Import(bytes);
            }
            catch (Exception e) when (e is OnnxFormatException or OnnxUnsupportedException)
            {
            }
        }
    }

    private static byte[] Load(string source) => source switch
    {
        "exported_float" => OnnxExporter.ExportFloat(OnnxModels.RandomFloatCnn(seed: 3)).ToByteArray(),
        "exported_int8" => ExportedInt8(),
        _ => OnnxTestSupport.Fixture(source),
    };

    /// <summary>An int8 export is not importable (integer ops), but its bytes still exercise the decoder.</summary>
    private static byte[] ExportedInt8()
    {
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 4, OnnxTestSupport.FashionMnistTest.Slice(0, 20));
        return OnnxExporter.ExportInt8(model).ToByteArray();
    }

    private static byte[] Mutate(byte[] data, Random rng, out string how)
    {
        byte[] b = (byte[])data.Clone();
        switch (rng.Next(7))
        {
            case 0:
                {
                    int flips = 1 + rng.Next(8);
                    for (int k = 0; k < flips; k++)
                    {
                        b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                    }

                    how = $"{flips} bit flips";
                    return b;
                }

            case 1:
                {
                    int count = 1 + rng.Next(16);
                    for (int k = 0; k < count; k++)
                    {
                        b[rng.Next(b.Length)] = (byte)rng.Next(256);
                    }

                    how = $"{count} random bytes";
                    return b;
                }

            case 2:
                {
                    int len = rng.Next(b.Length);
                    how = $"truncated to {len}";
                    return b[..len];
                }

            case 3:
                {
                    // Overwrite a byte in the first kilobyte, where the structure (keys and lengths) lives.
                    int at = rng.Next(Math.Min(1024, b.Length));
                    b[at] = (byte)rng.Next(256);
                    how = $"header byte {at}";
                    return b;
                }

            case 4:
                {
                    int at = rng.Next(b.Length);
                    int len = Math.Min(1 + rng.Next(64), b.Length - at);
                    how = $"removed {len} at {at}";
                    return [.. b[..at], .. b[(at + len)..]];
                }

            case 5:
                {
                    int at = rng.Next(b.Length);
                    var extra = new byte[1 + rng.Next(16)];
                    rng.NextBytes(extra);
                    how = $"inserted {extra.Length} at {at}";
                    return [.. b[..at], .. extra, .. b[at..]];
                }

            default:
                {
                    // A varint-looking run: 0xFF bytes make lengths and values huge.
                    int at = rng.Next(b.Length);
                    int len = Math.Min(1 + rng.Next(10), b.Length - at);
                    b.AsSpan(at, len).Fill(0xFF);
                    how = $"0xFF x{len} at {at}";
                    return b;
                }
        }
    }
}
