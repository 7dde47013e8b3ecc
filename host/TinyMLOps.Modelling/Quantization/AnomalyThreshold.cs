using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// The anomaly score of an autoencoder (output kind <see cref="OutputKind.Anomaly"/>): the mean squared error between
/// the input and its int8 reconstruction, in real units; and the threshold calibrated on normal data.
/// </summary>
public static class AnomalyThreshold
{
    /// <summary>The default share of normal samples that score below the threshold.</summary>
    public const double DefaultQuantile = 0.99;

    /// <summary>Mean squared error between <paramref name="input"/> and the dequantized output the interpreter holds.</summary>
    public static double Score(Interpreter interpreter, ReadOnlySpan<float> input)
    {
        Int8Model model = interpreter.Model;
        if (interpreter.OutputLength != input.Length)
        {
            throw new ArgumentException($"an anomaly model reconstructs its input: {interpreter.OutputLength} outputs for {input.Length} inputs");
        }

        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double d = ((interpreter.GetOutput(i) - model.Output.OutZeroPoint) * (double)model.Output.OutScale) - input[i];
            sum += d * d;
        }

        return sum / input.Length;
    }

    /// <summary>The <paramref name="quantile"/> of the int8 model's scores over <paramref name="normal"/> samples (HWC).</summary>
    public static float Calibrate(Int8Model model, IReadOnlyList<float[]> normal, double quantile = DefaultQuantile)
    {
        if (normal.Count == 0)
        {
            throw new ArgumentException("the threshold needs normal samples", nameof(normal));
        }

        var interpreter = new Interpreter(model);
        var scores = new double[normal.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            interpreter.SetInputFromFloats(normal[i], 0);
            interpreter.Invoke();
            scores[i] = Score(interpreter, normal[i]);
        }

        Array.Sort(scores);
        return (float)scores[Math.Min(scores.Length - 1, (int)Math.Ceiling(quantile * scores.Length) - 1)];
    }
}
