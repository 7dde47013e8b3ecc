using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Kernels;
using TinyMLOps.Modelling.Onnx;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>Batch-1 latency of one runtime over a set of inputs: median and 95th percentile per inference.</summary>
public sealed record LatencyFigures(string Runtime, double MedianMicroseconds, double P95Microseconds, int Inferences);

/// <summary>One model on the C# kernels, the SIMD kernels and ONNX Runtime, measured in the same run.</summary>
/// <param name="Ours">The portable C# kernels (what the boards run).</param>
/// <param name="Simd">The host's SIMD kernels; null when this CPU lacks them.</param>
/// <param name="SimdIdentical">Share of the first round's outputs where the SIMD kernels gave the C# kernels' bytes.</param>
public sealed record BenchmarkReport(
    string ModelId,
    string VariantId,
    long Macs,
    int ModelBytes,
    int OnnxBytes,
    int ArenaBytes,
    LatencyFigures Ours,
    LatencyFigures? Simd,
    LatencyFigures OnnxRuntime,
    double TopOneAgreement,
    double SimdIdentical)
{
    /// <summary>The C# kernels' median latency divided by ONNX Runtime's (above 1: we are slower).</summary>
    public double LatencyRatio => Ours.MedianMicroseconds / OnnxRuntime.MedianMicroseconds;

    /// <summary>The SIMD kernels' median latency divided by ONNX Runtime's; NaN without them.</summary>
    public double SimdRatio => Simd == null ? double.NaN : Simd.MedianMicroseconds / OnnxRuntime.MedianMicroseconds;
}

/// <summary>
/// Batch-1 latency of the portable int8 kernels and of the host's SIMD kernels on net10.0 against ONNX Runtime (CPU,
/// one thread, all graph optimisations) on the exported ONNX of the same int8 model, the three in turn on every input.
/// Timing is per inference over rounds, so the median is robust to a busy machine; the figures belong in
/// docs/benchmarks.md, never in a test assertion.
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
        var interpreter = new Interpreter(model, null);
        IKernelBackend? backend = HostKernels.Fastest;
        Interpreter? simd = backend == null ? null : new Interpreter(model, backend);
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
        var vector = new List<double>(n * rounds);
        var theirs = new List<double>(n * rounds);
        int agree = 0, identical = 0;
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

                long t4 = 0, t5 = 0;
                if (simd != null)
                {
                    t4 = Stopwatch.GetTimestamp();
                    setInput(simd, i);
                    simd.Invoke();
                    simd.ArgMax();
                    t5 = Stopwatch.GetTimestamp();
                }

                long t2 = Stopwatch.GetTimestamp();
                session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
                int theirClass = ArgMax(ortOutput);
                long t3 = Stopwatch.GetTimestamp();

                if (round > 0)
                {
                    ours.Add((t1 - t0) / (double)tick);
                    vector.Add((t5 - t4) / (double)tick);
                    theirs.Add((t3 - t2) / (double)tick);
                }

                if (round == 0)
                {
                    agree += ourClass == theirClass ? 1 : 0;
                    identical += simd != null && SameOutput(interpreter, simd) ? 1 : 0;
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
            simd == null ? null : Figures($"TinyMLOps SIMD kernels ({backend!.Name})", vector),
            Figures($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}", theirs),
            agree / (double)n,
            simd == null ? double.NaN : identical / (double)n);
    }

    private static bool SameOutput(Interpreter a, Interpreter b) =>
        a.Arena.AsSpan(a.OutputOffset, a.OutputLength).SequenceEqual(b.Arena.AsSpan(b.OutputOffset, b.OutputLength));

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
