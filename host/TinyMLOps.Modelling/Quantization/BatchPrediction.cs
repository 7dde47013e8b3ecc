using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>The int8 outputs of a batch: <see cref="Count"/> rows of <see cref="Outputs"/> values, with the output tensor's quantization.</summary>
public sealed record BatchPredictionResult(int Count, int Outputs, sbyte[] Raw, float OutScale, int OutZeroPoint)
{
    /// <summary>The outputs dequantized: (q - zero point) · scale.</summary>
    public float[] Dequantized()
    {
        var y = new float[Raw.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (Raw[i] - OutZeroPoint) * OutScale;
        }

        return y;
    }

    /// <summary>Index of the largest output of sample <paramref name="sample"/> (the first one on ties, as <see cref="Interpreter.ArgMax"/>).</summary>
    public int ArgMax(int sample)
    {
        int best = 0;
        for (int i = 1; i < Outputs; i++)
        {
            if (Raw[(sample * Outputs) + i] > Raw[(sample * Outputs) + best])
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>Batch inference with the int8 interpreter over float inputs in any <see cref="ResolvedInput"/> layout.</summary>
public static class BatchPrediction
{
    /// <summary>
    /// Quantizes every sample with the model's input scale and zero point (<see cref="Interpreter.SetInputFromFloats"/>),
    /// runs it and keeps the int8 outputs; in parallel over private copies of the model, in order.
    /// </summary>
    /// <param name="modelFile">The encoded model (every worker decodes its own copy: operators hold arena offsets).</param>
    /// <param name="progress">Reports the number of samples done so far, now and then.</param>
    public static BatchPredictionResult Predict(byte[] modelFile, NpyArray input, ResolvedInput layout, IProgress<int>? progress = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(layout);
        Int8Model model = ModelReader.Read(modelFile);
        int h = model.InputH, w = model.InputW, c = model.InputC, size = model.InputElements;
        int outputs = model.Output.OutputElements;
        if ((long)layout.Count * size != input.Values.Length)
        {
            throw new ArgumentException($"{layout.Count} samples of {size} values do not match the array's {input.Values.Length} values");
        }

        var raw = new sbyte[(long)layout.Count * outputs];
        const int chunk = 256;
        int chunks = (layout.Count + chunk - 1) / chunk;
        int workers = Math.Max(1, Math.Min(maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism, chunks));
        int done = 0;
        Parallel.For(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = workers },
            () => (Interpreter: new Interpreter(ModelReader.Read(modelFile)), Sample: new float[size]),
            (k, _, local) =>
            {
                int end = Math.Min(layout.Count, (k + 1) * chunk);
                for (int s = k * chunk; s < end; s++)
                {
                    layout.CopySample(input.Values, s, h, w, c, local.Sample);
                    local.Interpreter.SetInputFromFloats(local.Sample, 0);
                    local.Interpreter.Invoke();
                    for (int o = 0; o < outputs; o++)
                    {
                        raw[((long)s * outputs) + o] = local.Interpreter.GetOutput(o);
                    }
                }

                progress?.Report(Interlocked.Add(ref done, end - (k * chunk)));
                return local;
            },
            _ => { });
        return new BatchPredictionResult(layout.Count, outputs, raw, model.Output.OutScale, model.Output.OutZeroPoint);
    }
}
