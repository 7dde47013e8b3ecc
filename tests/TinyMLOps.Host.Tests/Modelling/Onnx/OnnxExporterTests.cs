using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

public class OnnxExporterTests
{
    [Fact]
    public void The_float_export_is_opset_13_with_a_dynamic_nchw_input_and_a_transpose_before_flatten()
    {
        ModelProto m = ModelProto.Parse(OnnxExporter.ExportFloat(OnnxModels.RandomFloatCnn(seed: 1)).ToByteArray());
        Assert.Equal(13, m.DefaultOpsetVersion);
        RepeatedField<TensorShapeProto.Types.Dimension> dims = m.Graph!.Input.Single().Type!.TensorType!.Shape!.Dim;
        Assert.Equal(["N", "3", "12", "10"], dims.Select(d => d.Text));
        string[] ops = m.Graph.Node.Select(n => n.OpType).ToArray();
        Assert.Equal(["Conv", "Clip", "Conv", "Relu", "MaxPool", "AveragePool", "Transpose", "Flatten", "Gemm", "Relu", "Gemm", "Softmax", "Identity"], ops);
        NodeProto transpose = m.Graph.Node.Single(n => n.OpType == "Transpose");
        Assert.Equal([0L, 2, 3, 1], transpose.FindAttribute("perm")!.Ints);
        Assert.Equal(6, m.Graph.Node.Single(n => n.OpType == "Conv" && n.FindAttribute("group")!.I > 1).FindAttribute("group")!.I);
    }

    [Fact]
    public void The_int8_export_takes_an_int8_nchw_batch_and_keeps_int8_weights_by_default()
    {
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 2, OnnxTestSupport.FashionMnistTest.Slice(0, 30));
        ModelProto m = OnnxExporter.ExportInt8(model);
        ValueInfoProto input = m.Graph!.Input.Single();
        Assert.Equal(OnnxDataType.Int8, (OnnxDataType)input.Type!.TensorType!.ElemType);
        Assert.Equal(["N", "1", "28", "28"], input.Type.TensorType.Shape!.Dim.Select(d => d.Text));
        Assert.Equal(OnnxDataType.Int8, (OnnxDataType)m.Graph.Output.Single().Type!.TensorType!.ElemType);
        Assert.Equal(3, m.Graph.Node.Count(n => n.OpType == "ConvInteger"));
        Assert.Equal(1, m.Graph.Node.Count(n => n.OpType == "MatMulInteger"));
        Assert.All(m.Graph.Initializer.Where(t => t.Name.EndsWith("_weight", StringComparison.Ordinal)), t => Assert.Equal(OnnxDataType.Int8, t.ElementType));

        ModelProto u8 = OnnxExporter.ExportInt8(model, OnnxInt8ExportOptions.AllUInt8);
        Assert.All(u8.Graph!.Initializer.Where(t => t.Name.Contains("weight", StringComparison.Ordinal)), t => Assert.Equal(OnnxDataType.Uint8, t.ElementType));
        Assert.All(u8.Graph.Initializer.Where(t => t.Name.EndsWith("weight_zero_point", StringComparison.Ordinal)), t => Assert.Equal([128L], t.ToInt64s()));
    }

    [Fact]
    public void A_probe_model_takes_nhwc_int8_and_returns_the_accumulator_and_the_output_in_nhwc()
    {
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 2, OnnxTestSupport.FashionMnistTest.Slice(0, 30));
        Operator conv = model.Operators[0];
        ModelProto m = OnnxExporter.ExportInt8Probe(model, 0);
        Assert.Equal(["N", "28", "28", "1"], m.Graph!.Input.Single().Type!.TensorType!.Shape!.Dim.Select(d => d.Text));
        Assert.Equal([OnnxExporter.AccumulatorName, OnnxExporter.OutputName], m.Graph.Output.Select(o => o.Name));
        Assert.Equal(OnnxDataType.Int32, (OnnxDataType)m.Graph.Output[0].Type!.TensorType!.ElemType);
        Assert.Equal(["N", $"{conv.OutH}", $"{conv.OutW}", $"{conv.OutC}"], m.Graph.Output[0].Type!.TensorType!.Shape!.Dim.Select(d => d.Text));

        // A pooling layer has no accumulator.
        Assert.Equal([OnnxExporter.OutputName], OnnxExporter.ExportInt8Probe(model, 2).Graph!.Output.Select(o => o.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ExportInt8Probe(model, model.Operators.Length));
    }

    [Fact]
    public void A_fused_activation_on_a_pooling_layer_becomes_an_int8_clip_with_the_kernels_bounds()
    {
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 2, OnnxTestSupport.FashionMnistTest.Slice(0, 30));
        Operator pool = model.Operators[2];
        Assert.Equal(Activation.Relu, pool.FusedActivation);
        Assert.True(pool.OutZeroPoint > -128, "the depthwise layer before has no activation, so its zero point is above -128");
        ModelProto m = OnnxExporter.ExportInt8Probe(model, 2);
        NodeProto clip = m.Graph!.Node.Single(n => n.OpType == "Clip");
        TensorProto min = m.Graph.Initializer.Single(t => t.Name == clip.Input[1]);
        Assert.Equal(OnnxDataType.Int8, min.ElementType);
        Assert.Equal([(long)pool.OutZeroPoint], min.ToInt64s());
    }

    [Fact]
    public void Average_pooling_via_quantize_dequantize_differs_from_the_kernel_only_on_ties()
    {
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 3, OnnxTestSupport.FashionMnistTest.Slice(0, 30));
        Operator pool = model.Operators[3];
        var rng = new Random(1);
        const int n = 200;
        var x = new sbyte[n * pool.InputElements];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (sbyte)rng.Next(-128, 128);
        }

        long[] shape = [n, pool.InH, pool.InW, pool.InC];
        using InferenceSession exact = OnnxTestSupport.Session(OnnxExporter.ExportInt8Probe(model, 3));
        using InferenceSession qdq = OnnxTestSupport.Session(OnnxExporter.ExportInt8Probe(model, 3, new OnnxInt8ExportOptions { AveragePoolViaQdq = true }));
        sbyte[] a = OnnxTestSupport.Run<sbyte, sbyte>(exact, x, shape, OnnxExporter.OutputName)[0];
        sbyte[] b = OnnxTestSupport.Run<sbyte, sbyte>(qdq, x, shape, OnnxExporter.OutputName)[0];

        // Ours on the same inputs.
        var single = new Int8Model
        {
            ModelId = "pool",
            InputH = pool.InH,
            InputW = pool.InW,
            InputC = pool.InC,
            InputScale = pool.InScale,
            InputZeroPoint = pool.InZeroPoint,
            Labels = [],
            Operators = [new AveragePool2D { Window = ((AveragePool2D)pool).Window, OutH = pool.OutH, OutW = pool.OutW, OutC = pool.OutC, OutScale = pool.OutScale, OutZeroPoint = pool.OutZeroPoint }],
        };
        single.Prepare();
        var interpreter = new TinyMLOps.Shared.Runtime.Interpreter(single, null);
        int outN = pool.OutputElements;
        int qdqDiffs = 0;
        for (int i = 0; i < n; i++)
        {
            interpreter.SetInput(x, i * pool.InputElements);
            interpreter.Invoke();
            for (int k = 0; k < outN; k++)
            {
                sbyte ours = interpreter.GetOutput(k);
                Assert.Equal(ours, a[(i * outN) + k]);
                int d = Math.Abs(ours - b[(i * outN) + k]);
                Assert.True(d <= 1);
                qdqDiffs += d;
            }
        }

        Assert.True(qdqDiffs > 0, "random inputs hit rounding ties");
    }

    [Fact]
    public void Global_average_pooling_and_attribute_clip_import_and_match_onnx_runtime()
    {
        // input [N,3,8,8] → Conv 3x3 pads 1 → Clip(0,6) as attributes (opset 10) → GlobalAveragePool → Flatten → Gemm → Softmax.
        var b = new OnnxGraphBuilder("gap");
        var rng = new Random(4);
        float[] Rand(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        string x = b.Input("x", OnnxDataType.Float, "batch", 3, 8, 8);
        x = b.Node("Conv", "conv", [x, b.Floats("w", Rand(4 * 3 * 9), 4, 3, 3, 3), b.Floats("b", Rand(4), 4)], AttributeProto.IntList("pads", 1, 1, 1, 1));
        x = b.Node("Clip", "clip", [x], AttributeProto.Float("min", 0f), AttributeProto.Float("max", 6f));
        x = b.Node("GlobalAveragePool", "gap", [x]);
        x = b.Node("Flatten", "flat", [x]);
        x = b.Node("Gemm", "fc", [x, b.Floats("fw", Rand(4 * 3), 4, 3), b.Floats("fb", Rand(3), 3)]);
        x = b.Node("Softmax", "y", [x], AttributeProto.Int("axis", 1));
        b.Output(x, OnnxDataType.Float, "batch", 3);
        byte[] bytes = b.ToModel(10, "test").ToByteArray();

        FloatModel model = OnnxImporter.Import(bytes);
        Assert.Equal(["Conv2D", "AveragePool2D", "Flatten", "Dense", "Softmax"], model.Layers.Select(l => l.Kind));
        Assert.Equal(FloatActivation.Relu6, ((Conv2DLayer)model.Layers[0]).Activation);

        const int n = 6;
        var hwc = new float[n][];
        var nchw = new float[n * 192];
        for (int i = 0; i < n; i++)
        {
            hwc[i] = Enumerable.Range(0, 192).Select(_ => (float)(rng.NextDouble() * 8 - 2)).ToArray();
            OnnxModels.HwcToChw(hwc[i], model.Input, nchw.AsSpan(i * 192, 192));
        }

        using InferenceSession session = OnnxTestSupport.Session(bytes);
        float[] ort = OnnxTestSupport.Run<float, float>(session, nchw, [n, 3, 8, 8], x)[0];
        for (int i = 0; i < n; i++)
        {
            float[] ours = FloatInference.Forward(model, hwc[i]);
            for (int k = 0; k < 3; k++)
            {
                Assert.True(Math.Abs(ours[k] - ort[(i * 3) + k]) <= 1e-4, $"sample {i} class {k}: {ours[k]} vs {ort[(i * 3) + k]}");
            }
        }
    }
}
