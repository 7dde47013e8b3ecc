using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>
/// The anomaly score of an autoencoder (output kind <see cref="OutputKind.Anomaly"/>): the mean squared error between
/// the int8 input and its int8 reconstruction, in real units, computed by the device's own <see cref="AnomalyScore"/>
/// so that a threshold calibrated here flags the same samples on the device; and the threshold calibrated on normal data.
/// </summary>
public static class AnomalyThreshold
{
    /// <summary>The default share of normal samples that score below the threshold.</summary>
    public const double DefaultQuantile = 0.99;

    /// <summary>
    /// Mean squared error between <paramref name="input"/> (quantized as <see cref="Interpreter.SetInputFromFloats"/>
    /// does) and the output the interpreter holds from its last run on it.
    /// </summary>
    public static double Score(Interpreter interpreter, ReadOnlySpan<float> input) =>
        new AnomalyScore(interpreter.Model).MeanSquaredError(ErrorSum(interpreter, input));

    /// <summary>The device's integer sum of squared errors behind <see cref="Score"/> (see <see cref="AnomalyScore"/>).</summary>
    public static long ErrorSum(Interpreter interpreter, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        Int8Model model = interpreter.Model;
        if (interpreter.OutputLength != input.Length)
        {
            throw new ArgumentException($"an anomaly model reconstructs its input: {interpreter.OutputLength} outputs for {input.Length} inputs");
        }

        var quantized = new sbyte[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            quantized[i] = QuantMath.Quantize(input[i], model.InputScale, model.InputZeroPoint);
        }

        return new AnomalyScore(model).SquaredErrorSum(quantized, 0, interpreter.Arena, interpreter.OutputOffset);
    }

    /// <summary>The <paramref name="quantile"/> of the int8 model's scores over <paramref name="normal"/> samples (HWC).</summary>
    public static float Calibrate(Int8Model model, IReadOnlyList<float[]> normal, double quantile = DefaultQuantile)
    {
        ArgumentNullException.ThrowIfNull(normal);
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

        return Quantile(scores, quantile);
    }

    /// <summary>
    /// The <paramref name="quantile"/> of the scores the device computes on <paramref name="normal"/>'s raw inputs
    /// (through the model's front-end, as <see cref="Classifier"/> does): the threshold for a model that carries its
    /// front-end. The model's threshold is ignored.
    /// </summary>
    public static float Calibrate(Int8Model model, Data.LabelledSet normal, double quantile = DefaultQuantile)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normal);
        if (normal.Count == 0)
        {
            throw new ArgumentException("the threshold needs normal samples", nameof(normal));
        }

        var classifier = new Classifier(ModelWriter.Write(model));
        var scores = new List<double>();
        for (int i = 0; i < normal.Count; i++)
        {
            if (normal.Label(i) == 0)
            {
                normal.Classify(classifier, i);
                scores.Add(classifier.AnomalyError);
            }
        }

        if (scores.Count == 0)
        {
            throw new ArgumentException($"{normal.Name} has no normal (label 0) samples for the threshold", nameof(normal));
        }

        return Quantile([.. scores], quantile);
    }

    private static float Quantile(double[] scores, double quantile)
    {
        if (!(quantile > 0) || quantile > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), "the quantile must be in (0, 1]");
        }

        Array.Sort(scores);
        return (float)scores[Math.Min(scores.Length - 1, (int)Math.Ceiling(quantile * scores.Length) - 1)];
    }
}
