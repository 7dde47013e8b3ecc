using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Onnx;

/// <summary>
/// MLPerf Tiny's reference architectures as PyTorch exports them (Fixtures/reference, trained briefly on Fashion-MNIST
/// through the input transforms of its README), imported, calibrated on their own inputs and quantized; the int8
/// model exported to ONNX and run by ONNX Runtime must give the interpreter's int8 outputs exactly, and the int8
/// model must keep the float model's top-1 (or reconstruction) on most images.
/// </summary>
public class ReferenceModelTests(ITestOutputHelper output)
{
    private const int Calibration = 200;
    private const int Test = 300;

    [Theory]
    [InlineData("kws_dscnn.onnx")]
    [InlineData("vww_mobilenetv1_025.onnx")]
    [InlineData("ad_autoencoder.onnx")]
    [InlineData("ic_resnet8.onnx")]
    [InlineData("ops_mix.onnx")]
    [InlineData("ops_conv1d.onnx")]
    public void A_reference_model_quantizes_and_onnx_runtime_gives_the_interpreters_outputs_exactly(string file)
    {
        var (model, int8) = Quantized(file);
        var data = OnnxTestSupport.FashionMnistTest;

        using InferenceSession session = OnnxTestSupport.Session(OnnxExporter.ExportInt8(int8));
        var interpreter = new Interpreter(int8, null);
        int size = int8.InputElements, outputs = interpreter.OutputLength;
        var inputs = new sbyte[Test * size];
        var ours = new sbyte[Test * outputs];
        int floatAgree = 0;
        double floatError = 0, int8Error = 0;
        for (int i = 0; i < Test; i++)
        {
            float[] x = Transform(file, data.GetInput(Calibration + i));
            interpreter.SetInputFromFloats(x, 0);
            Array.Copy(interpreter.Arena, interpreter.InputOffset, inputs, i * size, size);
            interpreter.Invoke();
            Array.Copy(interpreter.Arena, interpreter.OutputOffset, ours, i * outputs, outputs);
            float[] reference = FloatInference.Forward(model, x);
            float[] dequantized = [.. Enumerable.Range(0, outputs).Select(k => (ours[(i * outputs) + k] - int8.Output.OutZeroPoint) * int8.Output.OutScale)];
            if (file.StartsWith("ad_", StringComparison.Ordinal))
            {
                floatError += Mse(reference, x);
                int8Error += Mse(dequantized, x);
            }
            else
            {
                floatAgree += ArgMax(reference) == ArgMax(dequantized) ? 1 : 0;
            }
        }

        // ONNX Runtime takes the int8 input in the source's NCHW (or [N,F]) order.
        long[] shape = int8.InputH == 1 && int8.InputW == 1 ? [Test, int8.InputC] : [Test, int8.InputC, int8.InputH, int8.InputW];
        sbyte[] ort = OnnxTestSupport.Run<sbyte, sbyte>(session, ToChannelsFirst(inputs, Test, int8), shape, OnnxExporter.OutputName)[0];
        int differing = ort.Zip(ours).Count(p => p.First != p.Second);
        output.WriteLine($"{file}: {int8.Operators.Length} operators, {int8.TotalMacs:N0} MACs, arena {interpreter.ArenaBytes:N0} B (lower bound {MemoryPlanner.LowerBound(int8):N0}); int8 outputs differing from ONNX Runtime: {differing} of {ours.Length}");
        if (file.StartsWith("ad_", StringComparison.Ordinal))
        {
            output.WriteLine($"  reconstruction MSE float {floatError / Test:G4}, int8 {int8Error / Test:G4}");
            Assert.True(int8Error <= floatError * 1.5, $"int8 reconstruction error {int8Error / Test} against float {floatError / Test}");
        }
        else
        {
            output.WriteLine($"  int8 top-1 equals float top-1 on {floatAgree} of {Test}");
            Assert.True(floatAgree >= Test * 0.95, $"int8 keeps the float top-1 on only {floatAgree} of {Test}");
        }

        Assert.Equal(0, differing);

        // The latency benchmark takes the same float inputs and agrees with ONNX Runtime on every top-1 (one round: agreement only).
        var benchInputs = Enumerable.Range(0, 20).Select(i => Transform(file, data.GetInput(Calibration + i))).ToList();
        Assert.Equal(1.0, TinyMLOps.Simulation.Benchmarks.LatencyBenchmark.Run(ModelWriter.Write(int8), benchInputs, rounds: 1).TopOneAgreement);
    }

    [Theory]
    [InlineData("kws_dscnn.onnx")]
    [InlineData("vww_mobilenetv1_025.onnx")]
    [InlineData("ad_autoencoder.onnx")]
    [InlineData("ic_resnet8.onnx")]
    [InlineData("ops_mix.onnx")]
    [InlineData("ops_conv1d.onnx")]
    public void Every_layers_int32_accumulators_and_int8_outputs_equal_onnx_runtimes_on_the_exported_graph(string file)
    {
        var (model, int8) = Quantized(file);
        var data = OnnxTestSupport.FashionMnistTest;
        using InferenceSession session = OnnxTestSupport.Session(OnnxExporter.ExportInt8(int8, new OnnxInt8ExportOptions { ExposeIntermediates = true }));

        // Ours: every operator's output and accumulator, image by image (arena buffers are reused, so copy after each).
        const int n = 40;
        var interpreter = new Interpreter(int8, null);
        Operator[] ops = int8.Operators;
        var outs = ops.Select(o => new sbyte[n * o.OutputElements]).ToArray();
        var accs = ops.Select(o => new int[n * o.AccumulatorCount]).ToArray();
        foreach (Operator op in ops)
        {
            op.AccumulatorProbe = op.AccumulatorCount > 0 ? new int[op.AccumulatorCount] : null;
        }

        var inputs = new sbyte[n * int8.InputElements];
        for (int i = 0; i < n; i++)
        {
            interpreter.SetInputFromFloats(Transform(file, data.GetInput(Calibration + i)), 0);
            Array.Copy(interpreter.Arena, interpreter.InputOffset, inputs, i * int8.InputElements, int8.InputElements);
            for (int l = 0; l < ops.Length; l++)
            {
                ops[l].Eval(interpreter.Arena);
                Array.Copy(interpreter.Arena, ops[l].OutputOffset, outs[l], i * ops[l].OutputElements, ops[l].OutputElements);
                if (ops[l].AccumulatorProbe != null)
                {
                    Array.Copy(ops[l].AccumulatorProbe!, 0, accs[l], i * ops[l].AccumulatorCount, ops[l].AccumulatorCount);
                }
            }
        }

        long[] shape = int8.InputH == 1 && int8.InputW == 1 ? [n, int8.InputC] : [n, int8.InputC, int8.InputH, int8.InputW];
        sbyte[] x = ToChannelsFirst(inputs, n, int8);
        string[] accNames = [.. Enumerable.Range(0, ops.Length).Where(l => ops[l].AccumulatorCount > 0).Select(l => $"acc{l + 1}")];
        sbyte[][] theirOuts = OnnxTestSupport.Run<sbyte, sbyte>(session, x, shape, [.. Enumerable.Range(0, ops.Length).Select(l => $"t{l + 1}")]);
        int[][] theirAccs = OnnxTestSupport.Run<sbyte, int>(session, x, shape, accNames);
        long accumulators = 0, outputsCompared = 0;
        int a = 0;
        for (int l = 0; l < ops.Length; l++)
        {
            string where = $"{file}, operator {l} ({ops[l].Name} {ops[l].NodeName})";
            Assert.True(outs[l].AsSpan().SequenceEqual(theirOuts[l]), $"{where}: {outs[l].Zip(theirOuts[l]).Count(p => p.First != p.Second)} int8 outputs differ");
            outputsCompared += outs[l].Length;
            if (ops[l].AccumulatorCount > 0)
            {
                Assert.True(accs[l].AsSpan().SequenceEqual(theirAccs[a]), $"{where}: {accs[l].Zip(theirAccs[a]).Count(p => p.First != p.Second)} accumulators differ");
                accumulators += accs[l].Length;
                a++;
            }
        }

        output.WriteLine($"{file}: {ops.Length} operators on {n} inputs: {accumulators:N0} int32 accumulators and {outputsCompared:N0} int8 outputs, all equal to ONNX Runtime's");
    }

    [Theory]
    [InlineData("ic_resnet8.onnx")]
    [InlineData("ops_conv1d.onnx")]
    [InlineData("ad_autoencoder.onnx")]
    public void The_export_with_a_float_interface_runs_beside_the_original_on_the_same_float_inputs(string file)
    {
        byte[] onnx = OnnxTestSupport.Fixture(Path.Combine("reference", file));
        FloatModel model = OnnxImporter.Import(onnx);
        var data = OnnxTestSupport.FashionMnistTest;
        float[][] calibration = [.. Enumerable.Range(0, Calibration).Select(i => Transform(file, data.GetInput(i)))];
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, PostTrainingQuantizer.Calibrate(model, calibration), new QuantizationOptions { PixelInput = false });
        using InferenceSession original = OnnxTestSupport.Session(onnx);
        using InferenceSession exported = OnnxTestSupport.Session(OnnxExporter.ExportInt8(int8, new OnnxInt8ExportOptions { FloatInterface = true }));
        Assert.Equal(original.InputMetadata.Values.Single().Dimensions.Skip(1), exported.InputMetadata.Values.Single().Dimensions.Skip(1));

        const int n = 50;
        var interpreter = new Interpreter(int8, null);
        int outputs = interpreter.OutputLength, size = int8.InputElements;
        var hwc = new float[n * size];
        var ours = new float[n * outputs];
        for (int i = 0; i < n; i++)
        {
            float[] x = Transform(file, data.GetInput(Calibration + i));
            x.CopyTo(hwc, i * size);
            interpreter.SetInputFromFloats(x, 0);
            interpreter.Invoke();
            for (int k = 0; k < outputs; k++)
            {
                ours[(i * outputs) + k] = (interpreter.GetOutput(k) - int8.Output.OutZeroPoint) * int8.Output.OutScale;
            }
        }

        // The same float array feeds both models, in the source model's own layout.
        long[] shape = [n, .. original.InputMetadata.Values.Single().Dimensions.Skip(1).Select(d => (long)d)];
        float[] source = int8.InputH == 1 && int8.InputW == 1 ? hwc : ToChannelsFirst(hwc, n, int8);
        float[] theirs = OnnxTestSupport.Run<float, float>(exported, source, shape, OnnxExporter.OutputName)[0];
        float[] reference = OnnxTestSupport.Run<float, float>(original, source, shape, original.OutputNames[0])[0];
        int differing = theirs.Zip(ours).Count(p => p.First != p.Second);
        double drift = theirs.Zip(reference).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"{file}: float-interface export against the interpreter: {differing} of {ours.Length} outputs differ; against the float original: max |int8 - float| = {drift:G3}");
        Assert.Equal(0, differing);
    }

    [Fact]
    public void The_autoencoders_threshold_calibrated_on_normal_data_flags_the_other_classes()
    {
        // Normal is footwear (labels 5, 7, 9: the fixture's README); the threshold is the 99th percentile of normal scores.
        const string file = "ad_autoencoder.onnx";
        FloatModel model = OnnxImporter.Import(OnnxTestSupport.Fixture(Path.Combine("reference", file)));
        var data = OnnxTestSupport.FashionMnistTest;
        bool Normal(int i) => data.Label(i) is 5 or 7 or 9;
        float[][] normal = [.. Enumerable.Range(0, 2000).Where(Normal).Take(300).Select(i => Transform(file, data.GetInput(i)))];
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, PostTrainingQuantizer.Calibrate(model, normal), new QuantizationOptions { PixelInput = false });
        int8.OutputKind = OutputKind.Anomaly;
        int8.AnomalyThreshold = AnomalyThreshold.Calibrate(int8, normal);
        Int8Model read = ModelReader.Read(ModelWriter.Write(int8));
        Assert.Equal(OutputKind.Anomaly, read.OutputKind);
        Assert.Equal(int8.AnomalyThreshold, read.AnomalyThreshold);

        var interpreter = new Interpreter(read);
        int normalFlagged = 0, normalCount = 0, anomalousFlagged = 0, anomalousCount = 0;
        for (int i = 2000; i < 3000; i++)
        {
            float[] x = Transform(file, data.GetInput(i));
            interpreter.SetInputFromFloats(x, 0);
            interpreter.Invoke();
            bool flagged = AnomalyThreshold.Score(interpreter, x) >= read.AnomalyThreshold;
            if (Normal(i))
            {
                normalCount++;
                normalFlagged += flagged ? 1 : 0;
            }
            else
            {
                anomalousCount++;
                anomalousFlagged += flagged ? 1 : 0;
            }
        }

        output.WriteLine($"threshold {read.AnomalyThreshold:G4}: normal flagged {normalFlagged}/{normalCount}, anomalous flagged {anomalousFlagged}/{anomalousCount}");
        Assert.True(normalFlagged <= normalCount * 0.05, "too many false alarms on unseen normal data");
        Assert.True(anomalousFlagged >= anomalousCount * 0.5, "too few anomalies flagged");
    }

    /// <summary>The fixture imported, calibrated on its first 200 inputs, quantized, and read back from its file.</summary>
    private static (FloatModel Float, Int8Model Int8) Quantized(string file)
    {
        FloatModel model = OnnxImporter.Import(OnnxTestSupport.Fixture(Path.Combine("reference", file)));
        var data = OnnxTestSupport.FashionMnistTest;
        float[][] calibration = [.. Enumerable.Range(0, Calibration).Select(i => Transform(file, data.GetInput(i)))];
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, PostTrainingQuantizer.Calibrate(model, calibration), new QuantizationOptions { PixelInput = false });
        return (model, ModelReader.Read(ModelWriter.Write(int8)));
    }

    /// <summary>The README's input transforms, from a Fashion-MNIST image (pixels / 255, HWC 28x28x1) to the model's HWC input.</summary>
    internal static float[] Transform(string file, float[] p)
    {
        switch (file)
        {
            case "kws_dscnn.onnx":
                var kws = new float[49 * 10];
                for (int r = 0; r < 49; r++)
                {
                    for (int c = 0; c < 10; c++)
                    {
                        kws[(r * 10) + c] = p[((r * 28 / 49) * 28) + (c * 28 / 10)];
                    }
                }

                return kws;
            case "vww_mobilenetv1_025.onnx":
                var vww = new float[96 * 96 * 3];
                for (int y = 6; y < 90; y++)
                {
                    for (int x = 6; x < 90; x++)
                    {
                        float v = p[(((y - 6) / 3) * 28) + ((x - 6) / 3)];
                        for (int ch = 0; ch < 3; ch++)
                        {
                            vww[(((y * 96) + x) * 3) + ch] = v;
                        }
                    }
                }

                return vww;
            case "ic_resnet8.onnx":
                var ic = new float[32 * 32 * 3];
                for (int y = 2; y < 30; y++)
                {
                    for (int x = 2; x < 30; x++)
                    {
                        for (int ch = 0; ch < 3; ch++)
                        {
                            ic[(((y * 32) + x) * 3) + ch] = p[((y - 2) * 28) + (x - 2)];
                        }
                    }
                }

                return ic;
            case "ops_mix.onnx":
                return p;
            case "ops_conv1d.onnx":
                // [C = image row, T = image column] → our 1 x T x C.
                var nct = new float[28 * 28];
                for (int c = 0; c < 28; c++)
                {
                    for (int t = 0; t < 28; t++)
                    {
                        nct[(t * 28) + c] = p[(c * 28) + t];
                    }
                }

                return nct;
            default:
                return p[72..712];
        }
    }

    private static T[] ToChannelsFirst<T>(T[] hwc, int n, Int8Model m)
    {
        int positions = m.InputH * m.InputW, c = m.InputC, size = positions * c;
        var chw = new T[hwc.Length];
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < positions; p++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    chw[(i * size) + (ch * positions) + p] = hwc[(i * size) + (p * c) + ch];
                }
            }
        }

        return chw;
    }

    private static int ArgMax(float[] v) => Array.IndexOf(v, v.Max());

    private static double Mse(float[] a, float[] b) => a.Zip(b).Average(p => (double)(p.First - p.Second) * (p.First - p.Second));
}
