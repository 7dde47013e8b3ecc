using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using Xunit.Abstractions;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

public class OnnxImporterTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("pytorch_cnn.onnx", "Conv2D,MaxPool2D,Flatten,Dense,Softmax")]
    [InlineData("pytorch_view_cnn.onnx", "Conv2D,DepthwiseConv2D,AveragePool2D,Flatten,Dense,Dense,Softmax")]
    public void A_pytorch_style_fixture_imports_and_matches_onnx_runtime_within_1e_4(string file, string kinds)
    {
        byte[] bytes = OnnxTestSupport.Fixture(file);
        FloatModel model = OnnxImporter.Import(bytes);
        Assert.Equal(kinds, string.Join(",", model.Layers.Select(l => l.Kind)));
        Assert.Equal(new TensorShape(28, 28, 1), model.Input);
        Assert.Equal(new TensorShape(1, 1, 10), model.Output);

        // 48 real images plus 16 uniform random inputs; one channel, so NCHW and HWC bytes coincide.
        const int images = 48, random = 16, n = images + random;
        var input = new float[n * 784];
        for (int i = 0; i < images; i++)
        {
            OnnxTestSupport.FashionMnistTest.GetInput(i * 7, input.AsSpan(i * 784, 784));
        }

        var rng = new Random(42);
        for (int i = images * 784; i < input.Length; i++)
        {
            input[i] = (float)rng.NextDouble();
        }

        using InferenceSession session = OnnxTestSupport.Session(bytes);
        float[] ort = OnnxTestSupport.Run<float, float>(session, input, [n, 1, 28, 28], session.OutputNames[0])[0];
        double maxDiff = 0;
        for (int i = 0; i < n; i++)
        {
            float[] ours = FloatInference.Forward(model, input.AsSpan(i * 784, 784));
            for (int k = 0; k < 10; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ours[k] - ort[(i * 10) + k]));
            }
        }

        output.WriteLine($"{file}: max |ours - ORT| over {n} inputs = {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-4, $"max difference {maxDiff}");
    }

    [Fact]
    public void Export_float_then_import_reproduces_a_multichannel_cnn_exactly()
    {
        FloatModel model = OnnxModels.RandomFloatCnn(seed: 7);
        byte[] bytes = OnnxExporter.ExportFloat(model).ToByteArray();
        FloatModel back = OnnxImporter.Import(bytes);
        Assert.Equal(model.Layers.Select(l => l.Kind), back.Layers.Select(l => l.Kind));
        Assert.Equal(model.Shapes, back.Shapes);
        var rng = new Random(3);
        for (int s = 0; s < 5; s++)
        {
            float[] x = OnnxModels.RandomInput(rng, model.Input.Elements);
            Assert.Equal(FloatInference.Forward(model, x), FloatInference.Forward(back, x));
        }
    }

    [Fact]
    public void Class_labels_survive_the_round_trip_in_metadata()
    {
        FloatModel mlp = OnnxModels.RandomFloatMlp(seed: 2);
        var labelled = new FloatModel("labelled", mlp.Input, mlp.Layers, ["cat", "dog", "bird", "fish"]);
        ModelProto onnx = OnnxExporter.ExportFloat(labelled);
        Assert.Equal(["cat", "dog", "bird", "fish"], OnnxImporter.Import(onnx.ToByteArray()).Labels);
        Assert.Equal(["w", "x", "y", "z"], OnnxImporter.Import(onnx, labels: ["w", "x", "y", "z"]).Labels);
    }

    [Fact]
    public void Exported_float_models_run_in_onnx_runtime_like_the_reference_forward()
    {
        foreach (FloatModel model in new[] { OnnxModels.RandomFloatCnn(seed: 11), OnnxModels.RandomFloatMlp(seed: 12) })
        {
            byte[] bytes = OnnxExporter.ExportFloat(model).ToByteArray();
            using InferenceSession session = OnnxTestSupport.Session(bytes);
            TensorShape s = model.Input;
            var rng = new Random(5);
            const int n = 8;
            var hwc = new float[n][];
            var nchw = new float[n * s.Elements];
            for (int i = 0; i < n; i++)
            {
                hwc[i] = OnnxModels.RandomInput(rng, s.Elements);
                OnnxModels.HwcToChw(hwc[i], s, nchw.AsSpan(i * s.Elements, s.Elements));
            }

            long[] shape = s.H == 1 && s.W == 1 ? [n, s.C] : [n, s.C, s.H, s.W];
            float[] ort = OnnxTestSupport.Run<float, float>(session, nchw, shape, OnnxExporter.OutputName)[0];
            int outN = model.Output.Elements;
            for (int i = 0; i < n; i++)
            {
                float[] ours = FloatInference.Forward(model, hwc[i]);
                for (int k = 0; k < outN; k++)
                {
                    Assert.True(Math.Abs(ours[k] - ort[(i * outN) + k]) <= 1e-4, $"{model.Name} sample {i} output {k}: {ours[k]} vs {ort[(i * outN) + k]}");
                }
            }
        }
    }

    [Fact]
    public void A_keras_style_nhwc_input_with_a_transpose_imports_to_the_same_model()
    {
        FloatModel model = OnnxModels.RandomFloatCnn(seed: 9);
        ModelProto onnx = OnnxExporter.ExportFloat(model);
        GraphProto g = onnx.Graph!;

        // Rewrite the input as [N,H,W,C] followed by Transpose(0,3,1,2), as tf2onnx does.
        TensorShape s = model.Input;
        string original = g.Input[0].Name;
        g.Input[0] = ValueInfoProto.Tensor("input_nhwc", OnnxDataType.Float, "unk__1", s.H, s.W, s.C);
        var transpose = new NodeProto { OpType = "Transpose", Name = "Transpose__to_nchw" };
        transpose.Input.Add("input_nhwc");
        transpose.Output.Add(original);
        transpose.Attribute.Add(AttributeProto.IntList("perm", 0, 3, 1, 2));
        g.Node.Insert(0, transpose);

        FloatModel back = OnnxImporter.Import(onnx.ToByteArray());
        float[] x = OnnxModels.RandomInput(new Random(1), s.Elements);
        Assert.Equal(FloatInference.Forward(model, x), FloatInference.Forward(back, x));
    }

    [Theory]
    [InlineData("/relu/Relu", "Elu", null, "Elu node '/relu/Relu'")]
    [InlineData("/conv1/Conv", null, "dilations", "dilations")]
    [InlineData("/conv1/Conv", null, "group", "group 2")]
    [InlineData("/fc/Gemm", null, "transA", "transA")]
    [InlineData("/pool/MaxPool", null, "ceil_mode", "ceil_mode")]
    public void Unsupported_operators_and_attributes_are_reported_with_the_node_name(string node, string? newOp, string? attribute, string expected)
    {
        ModelProto m = ModelProto.Parse(OnnxTestSupport.Fixture("pytorch_cnn.onnx"));
        NodeProto n = m.Graph!.Node.Single(x => x.Name == node);
        if (newOp != null)
        {
            n.OpType = newOp;
        }

        switch (attribute)
        {
            case "dilations": n.SetAttribute(AttributeProto.IntList("dilations", 2, 2)); break;
            case "group": n.SetAttribute(AttributeProto.Int("group", 2)); break;
            case "transA": n.Attribute.Add(AttributeProto.Int("transA", 1)); break;
            case "ceil_mode": n.SetAttribute(AttributeProto.Int("ceil_mode", 1)); break;
        }

        var e = Assert.ThrowsAny<Exception>(() => OnnxImporter.Import(m.ToByteArray()));
        Assert.True(e is OnnxUnsupportedException or OnnxFormatException, e.GetType().Name + ": " + e.Message);
        output.WriteLine(e.Message);
        Assert.Contains(node, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_activation_larger_than_the_runtime_limit_is_refused_before_anything_is_allocated()
    {
        // 4096x4096x1 input, 1x1 conv to 4096 channels: 2^36 elements, from 16 KiB of weights.
        var b = new OnnxGraphBuilder("huge");
        string x = b.Input("x", OnnxDataType.Float, "N", 1, 4096, 4096);
        x = b.Node("Conv", "conv", [x, b.Floats("w", new float[4096], 4096, 1, 1, 1)], AttributeProto.IntList("kernel_shape", 1, 1));
        x = b.Node("Flatten", "flat", [x]);
        b.Output(x, OnnxDataType.Float, "N", 1L << 36);
        var e = Assert.Throws<OnnxUnsupportedException>(() => OnnxImporter.Import(b.ToModel(13, "").ToByteArray()));
        Assert.Contains("Conv node", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_into_a_layer_that_cannot_take_its_shape_is_rejected_with_the_node_name()
    {
        ModelProto m = ModelProto.Parse(OnnxTestSupport.Fixture("pytorch_cnn.onnx"));
        // Feed the Gemm from the (spatial) conv output instead of the flattened pool output.
        NodeProto gemm = m.Graph!.Node.Single(x => x.Name == "/fc/Gemm");
        gemm.Input[0] = "/conv1/Conv_output_0";
        var e = Assert.Throws<OnnxUnsupportedException>(() => OnnxImporter.Import(m.ToByteArray()));
        Assert.Contains("/fc/Gemm", e.Message, StringComparison.Ordinal);
    }
}
