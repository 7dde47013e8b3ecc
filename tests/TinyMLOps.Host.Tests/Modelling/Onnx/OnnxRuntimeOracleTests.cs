using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

/// <summary>
/// ONNX Runtime as an independent oracle for the int8 runtime. Each layer is exported alone (probe model)
/// and fed exactly the int8 input our interpreter gave that layer; its int32 accumulator must equal ours
/// element for element, and so must its int8 output (the export requantizes in integers, as the kernels do),
/// except softmax's, which may differ by one step (float in the export, a table here). The whole exported model
/// must agree with ours on top-1 for ≥ 99.9% of the images.
/// </summary>
public class OnnxRuntimeOracleTests(ITestOutputHelper output)
{
    private const int Batch = 1000;

    [Fact]
    public void A_trained_mlp_matches_onnx_runtime_on_all_10000_test_images()
    {
        FloatModel mlp = ModelZoo.Mlp(hidden: 64, name: "oracle-mlp");
        Int8Model model = TrainAndQuantize(mlp, seed: 21);
        AssertMatchesOnnxRuntime(model, OnnxTestSupport.FashionMnistTest);
    }

    [Fact]
    public void A_trained_cnn_with_depthwise_and_both_poolings_matches_onnx_runtime_on_all_10000_test_images()
    {
        var cnn = new FloatModel("oracle-cnn", new TensorShape(28, 28, 1), [
            new Conv2DLayer(1, 8, WindowSpec.Same(3), FloatActivation.Relu),
            new MaxPool2DLayer(new WindowSpec(2, 2, 2, 2)),
            new DepthwiseConv2DLayer(8, 2, WindowSpec.Same(3), FloatActivation.Relu6),
            new AveragePool2DLayer(new WindowSpec(2, 2, 2, 2)),
            new FlattenLayer(),
            new DenseLayer(7 * 7 * 16, 10),
            new SoftmaxLayer(),
        ], FashionMnist.ClassNames);
        Int8Model model = TrainAndQuantize(cnn, seed: 22);
        string[] ops = model.Operators.Select(o => o.Name).ToArray();
        Assert.Equal(["Conv2D", "MaxPool2D", "DepthwiseConv2D", "AveragePool2D", "Reshape", "FullyConnected", "Softmax"], ops);
        AssertMatchesOnnxRuntime(model, OnnxTestSupport.FashionMnistTest);
    }

    [Fact]
    public void A_hand_built_model_with_strides_padding_multiplier_and_reshapes_matches_onnx_runtime()
    {
        ImageDataset test = OnnxTestSupport.FashionMnistTest;
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 5, test.Slice(9000, 300));

        // Untrained random weights leave many near-tied class scores, so one-step differences flip more top-1s.
        AssertMatchesOnnxRuntime(model, test.Take(3000), minTop1Agreement: 0.995);
    }

    [Fact]
    public void The_uint8_encoding_gives_the_same_accumulators_and_outputs_as_the_int8_one()
    {
        ImageDataset data = OnnxTestSupport.FashionMnistTest.Slice(0, 500);
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 6, data);
        sbyte[] input = QuantizeImages(model, data, 0, data.Count);
        foreach (int layer in new[] { 0, 1, 5, 7 })
        {
            Operator op = model.Operators[layer];
            sbyte[] x = layer == 0 ? input : RunPrefix(model, data, layer);
            long[] shape = [data.Count, op.InH, op.InW, op.InC];
            using InferenceSession i8 = OnnxTestSupport.Session(OnnxExporter.ExportInt8Probe(model, layer, OnnxInt8ExportOptions.Default));
            using InferenceSession u8 = OnnxTestSupport.Session(OnnxExporter.ExportInt8Probe(model, layer, OnnxInt8ExportOptions.AllUInt8));
            Assert.Equal(OnnxTestSupport.Run<sbyte, int>(i8, x, shape, OnnxExporter.AccumulatorName)[0], OnnxTestSupport.Run<sbyte, int>(u8, x, shape, OnnxExporter.AccumulatorName)[0]);
            Assert.Equal(OnnxTestSupport.Run<sbyte, sbyte>(i8, x, shape, OnnxExporter.OutputName)[0], OnnxTestSupport.Run<sbyte, sbyte>(u8, x, shape, OnnxExporter.OutputName)[0]);
        }
    }

    [Fact]
    public void Onnx_runtime_accepts_int8_and_uint8_operands_for_conv_integer_and_mat_mul_integer()
    {
        ImageDataset data = OnnxTestSupport.FashionMnistTest.Slice(0, 4);
        Int8Model model = OnnxModels.HandBuiltInt8(seed: 8, data);
        foreach (bool a in new[] { false, true })
        {
            foreach (bool w in new[] { false, true })
            {
                var encoding = new OnnxInt8ExportOptions { ConvUInt8Activations = a, ConvUInt8Weights = w, MatMulUInt8Activations = a, MatMulUInt8Weights = w };
                using InferenceSession s = OnnxTestSupport.Session(OnnxExporter.ExportInt8(model, encoding));
                output.WriteLine($"activations {(a ? "uint8" : "int8")}, weights {(w ? "uint8" : "int8")}: session created");
            }
        }
    }

    private Int8Model TrainAndQuantize(FloatModel model, int seed)
    {
        var clock = Stopwatch.StartNew();
        ImageDataset train = FashionMnist.LoadTrain().Take(10_000);
        Trainer.Train(model, train, new TrainingOptions { Epochs = 1, Seed = seed, BatchSize = 64, LearningRate = 2e-3f });
        Int8Model q = PostTrainingQuantizer.Quantize(model, train.Take(1000), new QuantizationOptions { CalibrationSamples = 1000 });
        output.WriteLine($"{model.Name}: trained 1 epoch on 10,000 images and quantized in {clock.Elapsed.TotalSeconds:F1} s");
        return q;
    }

    private static sbyte[] QuantizeImages(Int8Model model, ImageDataset data, int start, int count)
    {
        var table = new sbyte[256];
        for (int v = 0; v < 256; v++)
        {
            table[v] = QuantMath.Quantize(v / 255f, model.InputScale, model.InputZeroPoint);
        }

        int n = data.PixelsPerImage;
        var x = new sbyte[count * n];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = table[data.Pixels[(start * n) + i]];
        }

        return x;
    }

    /// <summary>Our interpreter's int8 input to layer <paramref name="layer"/> for every image.</summary>
    private static sbyte[] RunPrefix(Int8Model model, ImageDataset data, int layer)
    {
        var interpreter = new Interpreter(model, null);
        Operator prev = model.Operators[layer - 1];
        var x = new sbyte[data.Count * prev.OutputElements];
        for (int i = 0; i < data.Count; i++)
        {
            interpreter.SetInputFromBytes(data.Pixels, i * data.PixelsPerImage);
            for (int l = 0; l < layer; l++)
            {
                model.Operators[l].Eval(interpreter.Arena);
            }

            Array.Copy(interpreter.Arena, prev.OutputOffset, x, i * prev.OutputElements, prev.OutputElements);
        }

        return x;
    }

    private sealed class LayerStats(Operator op)
    {
        public Operator Op { get; } = op;

        public long Elements { get; set; }

        public long Differing { get; set; }

        public int MaxDiff { get; set; }

        public long AccElements { get; set; }

        public long AccMismatches { get; set; }

        public string? FirstAccMismatch { get; set; }
    }

    private void AssertMatchesOnnxRuntime(Int8Model model, ImageDataset data, double minTop1Agreement = 0.999)
    {
        var clock = Stopwatch.StartNew();
        Operator[] ops = model.Operators;
        int layers = ops.Length;
        var probes = new InferenceSession[layers];
        var stats = new LayerStats[layers];
        for (int i = 0; i < layers; i++)
        {
            probes[i] = OnnxTestSupport.Session(OnnxExporter.ExportInt8Probe(model, i));
            stats[i] = new LayerStats(ops[i]);
            ops[i].AccumulatorProbe = ops[i].AccumulatorCount > 0 ? new int[ops[i].AccumulatorCount] : null;
        }

        using InferenceSession whole = OnnxTestSupport.Session(OnnxExporter.ExportInt8(model));
        var interpreter = new Interpreter(model, null);
        int classes = model.Output.OutputElements;
        long agree = 0, finalDiffering = 0, correct = 0;
        int finalMaxDiff = 0;
        TimeSpan oursTime = TimeSpan.Zero, ortTime = TimeSpan.Zero;
        try
        {
            for (int start = 0; start < data.Count; start += Batch)
            {
                int n = Math.Min(Batch, data.Count - start);
                sbyte[] input = QuantizeImages(model, data, start, n);

                // Ours: every layer's int8 output and int32 accumulator, image by image.
                var t0 = Stopwatch.StartNew();
                var outs = new sbyte[layers][];
                var accs = new int[layers][];
                for (int l = 0; l < layers; l++)
                {
                    outs[l] = new sbyte[n * ops[l].OutputElements];
                    accs[l] = new int[n * ops[l].AccumulatorCount];
                }

                var top1 = new int[n];
                for (int i = 0; i < n; i++)
                {
                    interpreter.SetInput(input, i * model.InputElements);
                    for (int l = 0; l < layers; l++)
                    {
                        Operator op = ops[l];
                        op.Eval(interpreter.Arena);
                        Array.Copy(interpreter.Arena, op.OutputOffset, outs[l], i * op.OutputElements, op.OutputElements);
                        if (op.AccumulatorProbe != null)
                        {
                            Array.Copy(op.AccumulatorProbe, 0, accs[l], i * op.AccumulatorCount, op.AccumulatorCount);
                        }
                    }

                    top1[i] = interpreter.ArgMax();
                }

                oursTime += t0.Elapsed;

                // ONNX Runtime: each layer on exactly our input to it.
                t0.Restart();
                for (int l = 0; l < layers; l++)
                {
                    Operator op = ops[l];
                    sbyte[] x = l == 0 ? input : outs[l - 1];
                    long[] shape = [n, op.InH, op.InW, op.InC];
                    bool hasAcc = op.AccumulatorCount > 0;
                    string[] names = hasAcc ? [OnnxExporter.AccumulatorName, OnnxExporter.OutputName] : [OnnxExporter.OutputName];
                    using var value = OrtValue.CreateTensorValueFromMemory(x, shape);
                    using var runOptions = new RunOptions();
                    using IDisposableReadOnlyCollection<OrtValue> results = probes[l].Run(runOptions, [OnnxExporter.InputName], [value], names);
                    LayerStats s = stats[l];
                    if (hasAcc)
                    {
                        ReadOnlySpan<int> ortAcc = results[0].GetTensorDataAsSpan<int>();
                        Assert.Equal(accs[l].Length, ortAcc.Length);
                        s.AccElements += ortAcc.Length;
                        for (int k = 0; k < ortAcc.Length; k++)
                        {
                            if (ortAcc[k] != accs[l][k])
                            {
                                s.AccMismatches++;
                                s.FirstAccMismatch ??= $"image {start + (k / op.AccumulatorCount)}, element {k % op.AccumulatorCount}: ours {accs[l][k]}, ORT {ortAcc[k]}";
                            }
                        }
                    }

                    ReadOnlySpan<sbyte> ortOut = results[hasAcc ? 1 : 0].GetTensorDataAsSpan<sbyte>();
                    Assert.Equal(outs[l].Length, ortOut.Length);
                    s.Elements += ortOut.Length;
                    for (int k = 0; k < ortOut.Length; k++)
                    {
                        int d = Math.Abs(ortOut[k] - outs[l][k]);
                        if (d != 0)
                        {
                            s.Differing++;
                            s.MaxDiff = Math.Max(s.MaxDiff, d);
                        }
                    }
                }

                // ONNX Runtime end to end: NCHW int8 input (one channel here, so the bytes are our HWC bytes).
                Assert.Equal(1, model.InputC);
                sbyte[] final = OnnxTestSupport.Run<sbyte, sbyte>(whole, input, [n, model.InputC, model.InputH, model.InputW], OnnxExporter.OutputName)[0];
                ortTime += t0.Elapsed;
                sbyte[] oursFinal = outs[layers - 1];
                for (int i = 0; i < n; i++)
                {
                    int ortTop1 = OnnxTestSupport.ArgMax<sbyte>(final.AsSpan(i * classes, classes));
                    agree += ortTop1 == top1[i] ? 1 : 0;
                    correct += top1[i] == data.Label(start + i) ? 1 : 0;
                    for (int k = 0; k < classes; k++)
                    {
                        int d = Math.Abs(final[(i * classes) + k] - oursFinal[(i * classes) + k]);
                        finalDiffering += d != 0 ? 1 : 0;
                        finalMaxDiff = Math.Max(finalMaxDiff, d);
                    }
                }
            }
        }
        finally
        {
            foreach (InferenceSession p in probes)
            {
                p?.Dispose();
            }

            foreach (Operator op in ops)
            {
                op.AccumulatorProbe = null;
            }
        }

        // Report.
        output.WriteLine($"{model.ModelId}: {data.Count} images, ours {oursTime.TotalSeconds:F1} s, ONNX Runtime {ortTime.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"{"layer",-22} {"accumulators",14} {"acc mismatches",15} {"int8 outputs",13} {"differing",10} {"max diff",9}");
        for (int l = 0; l < layers; l++)
        {
            LayerStats s = stats[l];
            string acc = s.AccElements > 0 ? s.AccElements.ToString(CultureInfo.InvariantCulture) : "-";
            output.WriteLine($"{l + " " + s.Op.Name,-22} {acc,14} {s.AccMismatches,15} {s.Elements,13} {Percent(s.Differing, s.Elements),10} {s.MaxDiff,9}");
        }

        double agreement = (double)agree / data.Count;
        output.WriteLine($"end to end: top-1 agreement {agreement:P3} ({agree}/{data.Count}); final int8 outputs differing {Percent(finalDiffering, (long)data.Count * classes)}, max diff {finalMaxDiff}; int8 accuracy {(double)correct / data.Count:P2}");

        foreach (LayerStats s in stats)
        {
            Assert.True(s.AccMismatches == 0, $"layer {s.Op.Name}: {s.AccMismatches} accumulators differ from ONNX Runtime, first at {s.FirstAccMismatch}");
            if (s.Op is Softmax)
            {
                // Softmax runs in float in the export (Dequantize, Softmax, Quantize) and from a table here.
                Assert.True(s.MaxDiff <= 1, $"layer {s.Op.Name}: int8 outputs differ by up to {s.MaxDiff} steps");
            }
            else
            {
                Assert.True(s.Differing == 0, $"layer {s.Op.Name}: {s.Differing} int8 outputs differ from ONNX Runtime (up to {s.MaxDiff} steps)");
            }
        }

        Assert.True(agreement >= minTop1Agreement, $"top-1 agreement {agreement:P3} is below {minTop1Agreement:P1}");
    }

    private static string Percent(long part, long total) => total == 0 ? "-" : ((double)part / total).ToString("P3", CultureInfo.InvariantCulture);
}
