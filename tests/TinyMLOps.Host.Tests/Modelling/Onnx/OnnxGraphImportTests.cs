using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Onnx.Proto;
using Xunit.Abstractions;
using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

/// <summary>
/// Graphs with branches, built as PyTorch exports them (random weights: only the numerics matter here), imported
/// and run by our float forward pass against ONNX Runtime on the same inputs.
/// </summary>
public class OnnxGraphImportTests(ITestOutputHelper output)
{
    [Fact]
    public void A_residual_block_imports_as_a_graph_and_matches_onnx_runtime()
    {
        var b = new OnnxGraphBuilder("residual");
        var rng = new Random(1);
        string x = b.Input("input", OnnxDataType.Float, "N", 3, 8, 8);
        string c1 = Conv(b, rng, "conv1", x, 3, 8, 3, pad: 1);
        string r1 = b.Node("Relu", "relu1", [c1]);
        string c2 = Conv(b, rng, "conv2", r1, 8, 8, 3, pad: 1);
        string bn = BatchNorm(b, rng, "bn2", c2, 8);
        string sum = b.Node("Add", "add", [bn, r1]);
        string r2 = b.Node("Relu", "relu2", [sum]);
        string y = Head(b, rng, r2, 8 * 8 * 8);
        b.Output(y, OnnxDataType.Float, "N", 5);

        FloatModel model = ImportAndCompare(b, [3, 8, 8], opset: 13);
        Assert.Equal("Conv2D,Conv2D,Add,Flatten,Dense,Softmax", string.Join(",", model.Layers.Select(l => l.Kind)));
        Assert.False(model.IsChain);
        Assert.Equal([2, 1], model.InputsOf(2));
    }

    [Fact]
    public void Squeeze_excite_concat_pad_and_standalone_activations_match_onnx_runtime()
    {
        var b = new OnnxGraphBuilder("mix");
        var rng = new Random(2);
        string x = b.Input("input", OnnxDataType.Float, "N", 4, 6, 6);
        string padded = b.Node("Pad", "pad", [x, b.Int64s("pads", 0, 0, 1, 2, 0, 0, 1, 0)], AttributeProto.String("mode", "constant"));
        string c1 = Conv(b, rng, "conv1", padded, 4, 6, 3, pad: 1);
        string hs = b.Node("HardSwish", "hswish", [c1]);

        // Squeeze-excite: global mean, two 1x1 convolutions, a sigmoid gate, a product.
        string gap = b.Node("GlobalAveragePool", "gap", [hs]);
        string s1 = b.Node("Relu", "se_relu", [Conv(b, rng, "se1", gap, 6, 3, 1, pad: 0)]);
        string gate = b.Node("Sigmoid", "se_sigmoid", [Conv(b, rng, "se2", s1, 3, 6, 1, pad: 0)]);
        string excited = b.Node("Mul", "se_mul", [hs, gate]);

        // Two branches concatenated along the channels, then a standalone batch norm, tanh and leaky relu.
        string branch = b.Node("LeakyRelu", "leaky", [Conv(b, rng, "conv2", hs, 6, 2, 1, pad: 0)], AttributeProto.Float("alpha", 0.1f));
        string cat = b.Node("Concat", "cat", [excited, branch], AttributeProto.Int("axis", 1));
        string bn = b.Node("Tanh", "tanh", [BatchNorm(b, rng, "bn", cat, 8)]);
        string y = Head(b, rng, bn, 8 * 8 * 8, alpha: 0.5f, beta: 2f);
        b.Output(y, OnnxDataType.Float, "N", 5);

        FloatModel model = ImportAndCompare(b, [4, 6, 6], opset: 14);
        output.WriteLine(string.Join(",", model.Layers.Select(l => l.Kind)));
        Assert.Contains(model.Layers, l => l is ConcatLayer);
        Assert.Contains(model.Layers, l => l is BinaryLayer { Multiply: true });
        Assert.Contains(model.Layers, l => l is PadLayer);
    }

    [Theory]
    [InlineData("kws_dscnn.onnx")]
    [InlineData("vww_mobilenetv1_025.onnx")]
    [InlineData("ic_resnet8.onnx")]
    [InlineData("ad_autoencoder.onnx")]
    [InlineData("ops_mix.onnx")]
    [InlineData("ops_conv1d.onnx")]
    public void A_reference_architecture_from_pytorch_imports_and_matches_onnx_runtime(string file)
    {
        byte[] bytes = OnnxTestSupport.Fixture(Path.Combine("reference", file));
        FloatModel model = OnnxImporter.Import(bytes);
        using InferenceSession session = OnnxTestSupport.Session(bytes);
        long[] dims = [.. session.InputMetadata.Values.Single().Dimensions.Skip(1).Select(d => (long)d)];
        int size = (int)dims.Aggregate(1L, (a, d) => a * d);
        Assert.Equal(size, model.Input.Elements);
        const int n = 8;
        var rng = new Random(11);
        float[] input = [.. Enumerable.Range(0, n * size).Select(_ => (float)rng.NextDouble())];
        float[] ort = OnnxTestSupport.Run<float, float>(session, input, [n, .. dims], session.OutputNames[0])[0];
        int outputs = model.Output.Elements;
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < n; i++)
        {
            float[] ours = FloatInference.Forward(model, ToHwc(input.AsSpan(i * size, size), dims));
            for (int k = 0; k < outputs; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ours[k] - ort[(i * outputs) + k]));
                maxAbs = Math.Max(maxAbs, Math.Abs(ort[(i * outputs) + k]));
            }
        }

        output.WriteLine($"{file}: {model.Layers.Count} layers ({string.Join(",", model.Layers.Select(l => l.Kind).Distinct())}), max |ours - ORT| = {maxDiff:E2} of outputs up to {maxAbs:G3}");
        Assert.True(maxDiff <= 1e-4 * Math.Max(1, maxAbs), $"max difference {maxDiff}");
    }

    /// <summary>One sample from the ONNX layout ([C,H,W], [C,T] or [F]) to ours (HWC; 1 x T x C; 1 x 1 x F).</summary>
    private static float[] ToHwc(ReadOnlySpan<float> x, long[] dims)
    {
        if (dims.Length == 1)
        {
            return x.ToArray();
        }

        int c = (int)dims[0];
        int positions = x.Length / c;
        var hwc = new float[x.Length];
        for (int ch = 0; ch < c; ch++)
        {
            for (int p = 0; p < positions; p++)
            {
                hwc[(p * c) + ch] = x[(ch * positions) + p];
            }
        }

        return hwc;
    }

    private FloatModel ImportAndCompare(OnnxGraphBuilder b, int[] chw, int opset)
    {
        byte[] bytes = b.ToModel(opset, "test").ToByteArray();
        FloatModel model = OnnxImporter.Import(bytes);
        int n = 16, size = chw[0] * chw[1] * chw[2];
        var rng = new Random(5);
        float[] input = [.. Enumerable.Range(0, n * size).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
        using InferenceSession session = OnnxTestSupport.Session(bytes);
        float[] ort = OnnxTestSupport.Run<float, float>(session, input, [n, chw[0], chw[1], chw[2]], session.OutputNames[0])[0];
        int classes = model.Output.C;
        double maxDiff = 0;
        for (int i = 0; i < n; i++)
        {
            // Ours is HWC: transpose the NCHW sample.
            var hwc = new float[size];
            for (int c = 0; c < chw[0]; c++)
            {
                for (int p = 0; p < chw[1] * chw[2]; p++)
                {
                    hwc[(p * chw[0]) + c] = input[(i * size) + (c * chw[1] * chw[2]) + p];
                }
            }

            float[] ours = FloatInference.Forward(model, hwc);
            for (int k = 0; k < classes; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ours[k] - ort[(i * classes) + k]));
            }
        }

        output.WriteLine($"{b.Graph.Name}: {model.Layers.Count} layers, max |ours - ORT| = {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-4, $"max difference {maxDiff}");
        return model;
    }

    private static string Conv(OnnxGraphBuilder b, Random rng, string name, string x, int inC, int outC, int k, int pad) =>
        b.Node("Conv", name, [x, b.Floats(name + ".weight", Random(rng, outC * inC * k * k, 0.4), outC, inC, k, k), b.Floats(name + ".bias", Random(rng, outC, 0.1), outC)],
            AttributeProto.IntList("kernel_shape", k, k), AttributeProto.IntList("pads", pad, pad, pad, pad));

    private static string BatchNorm(OnnxGraphBuilder b, Random rng, string name, string x, int c) =>
        b.Node("BatchNormalization", name,
            [x, b.Floats(name + ".weight", [.. Random(rng, c, 0.3).Select(v => 1 + v)], c), b.Floats(name + ".bias", Random(rng, c, 0.2), c),
             b.Floats(name + ".mean", Random(rng, c, 0.2), c), b.Floats(name + ".var", [.. Random(rng, c, 0.3).Select(v => 1 + Math.Abs(v))], c)]);

    private static string Head(OnnxGraphBuilder b, Random rng, string x, int features, float alpha = 1f, float beta = 1f)
    {
        string flat = b.Node("Flatten", "flatten", [x], AttributeProto.Int("axis", 1));
        string gemm = b.Node("Gemm", "fc", [flat, b.Floats("fc.weight", Random(rng, 5 * features, 0.1), 5, features), b.Floats("fc.bias", Random(rng, 5, 0.1), 5)],
            AttributeProto.Int("transB", 1), AttributeProto.Float("alpha", alpha), AttributeProto.Float("beta", beta));
        return b.Node("Softmax", "softmax", [gemm], AttributeProto.Int("axis", 1));
    }

    private static float[] Random(Random rng, int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale))];
}
