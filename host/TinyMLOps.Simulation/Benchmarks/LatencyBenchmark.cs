using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>Batch-1 latency of one runtime over a set of inputs: median and 95th percentile per inference.</summary>
public sealed record LatencyFigures(string Runtime, double MedianMicroseconds, double P95Microseconds, int Inferences);

/// <summary>One model measured against ONNX Runtime in the same run.</summary>
public sealed record BenchmarkReport(
    string ModelId,
    string VariantId,
    long Macs,
    int ModelBytes,
    int OnnxBytes,
    int ArenaBytes,
    LatencyFigures Ours,
    LatencyFigures OnnxRuntime,
    double TopOneAgreement)
{
    /// <summary>Our median latency divided by ONNX Runtime's (above 1: we are slower).</summary>
    public double LatencyRatio => Ours.MedianMicroseconds / OnnxRuntime.MedianMicroseconds;
}

/// <summary>
/// Batch-1 latency of the portable int8 kernels on net10.0 against ONNX Runtime (CPU, one thread, all graph
/// optimisations) on the exported ONNX of the same int8 model. Timing is per inference over rounds, so the
/// median is robust to a busy machine; the figures belong in docs/benchmarks.md, never in a test assertion.
/// </summary>
public static class LatencyBenchmark
{
    /// <summary>Over 8-bit images (pixels read as v / 255).</summary>
    public static BenchmarkReport Run(byte[] modelFile, ImageDataset images, int rounds = 5, IProgress<double>? progress = null) =>
        Run(modelFile, images.Count, (interpreter, i) => interpreter.SetInputFromBytes(images.Pixels, i * images.PixelsPerImage), rounds, progress);

    /// <summary>Over float inputs in the model's HWC order (a user's own data: audio features, vibration, tables).</summary>
    public static BenchmarkReport Run(byte[] modelFile, IReadOnlyList<float[]> inputs, int rounds = 5, IProgress<double>? progress = null) =>
        Run(modelFile, inputs.Count, (interpreter, i) => interpreter.SetInputFromFloats(inputs[i], 0), rounds, progress);

    private static BenchmarkReport Run(byte[] modelFile, int n, Action<Interpreter, int> setInput, int rounds, IProgress<double>? progress)
    {
        Int8Model model = ModelReader.Read(modelFile);
        var interpreter = new Interpreter(model);
        byte[] onnx = OnnxExporter.ExportInt8(model).ToByteArray();

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(onnx, options);
        string inputName = session.InputNames[0];
        string outputName = session.OutputNames[0];
        long[] inputShape = model.InputH == 1 && model.InputW == 1
            ? [1, model.InputC]
            : [1, model.InputC, model.InputH, model.InputW];
        var ortInput = new sbyte[model.InputElements];
        int outputs = model.Output.OutputElements;
        var ortOutput = new sbyte[outputs];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(ortInput, inputShape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(ortOutput, [1, outputs]);
        using var runOptions = new RunOptions();
        string[] inputNames = [inputName];
        string[] outputNames = [outputName];
        OrtValue[] inputValues = [inputValue];
        OrtValue[] outputValues = [outputValue];

        var ours = new List<double>(n * rounds);
        var theirs = new List<double>(n * rounds);
        int agree = 0;
        long tick = Stopwatch.Frequency / 1_000_000;
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < n; i++)
            {
                // The same quantized input for ONNX Runtime, taken before Invoke: later layers reuse the input's arena bytes.
                setInput(interpreter, i);
                CopyInputAsChw(interpreter, model, ortInput);

                long t0 = Stopwatch.GetTimestamp();
                setInput(interpreter, i);
                interpreter.Invoke();
                int ourClass = interpreter.ArgMax();
                long t1 = Stopwatch.GetTimestamp();

                long t2 = Stopwatch.GetTimestamp();
                session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
                int theirClass = ArgMax(ortOutput);
                long t3 = Stopwatch.GetTimestamp();

                if (round > 0)
                {
                    ours.Add((t1 - t0) / (double)tick);
                    theirs.Add((t3 - t2) / (double)tick);
                }

                if (round == 0 && ourClass == theirClass)
                {
                    agree++;
                }
            }

            progress?.Report((round + 1) / (double)rounds);
        }

        return new BenchmarkReport(
            model.ModelId,
            model.VariantId,
            model.TotalMacs,
            modelFile.Length,
            onnx.Length,
            interpreter.ArenaBytes,
            Figures("TinyMLOps portable kernels", ours),
            Figures($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}", theirs),
            agree / (double)n);
    }

    /// <summary>The same quantized input in ONNX's NCHW order.</summary>
    private static void CopyInputAsChw(Interpreter interpreter, Int8Model model, sbyte[] destination)
    {
        sbyte[] arena = interpreter.Arena;
        int offset = interpreter.InputOffset;
        int h = model.InputH, w = model.InputW, c = model.InputC;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    destination[(((ch * h) + y) * w) + x] = arena[offset + (((y * w) + x) * c) + ch];
                }
            }
        }
    }

    private static int ArgMax(sbyte[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static LatencyFigures Figures(string name, List<double> samples)
    {
        if (samples.Count == 0)
        {
            return new LatencyFigures(name, double.NaN, double.NaN, 0); // one round: agreement only, nothing timed
        }

        samples.Sort();
        return new LatencyFigures(name, samples[samples.Count / 2], samples[(int)(samples.Count * 0.95)], samples.Count);
    }
}
