using System.Globalization;
using System.Text;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>Top-1 accuracy and confusion matrix of a classifier on a labelled dataset.</summary>
public sealed class EvaluationResult
{
    public EvaluationResult(IReadOnlyList<string> classNames, int[,] confusion)
    {
        ClassNames = classNames;
        Confusion = confusion;
        for (int t = 0; t < confusion.GetLength(0); t++)
        {
            for (int p = 0; p < confusion.GetLength(1); p++)
            {
                Total += confusion[t, p];
                if (t == p)
                {
                    Correct += confusion[t, p];
                }
            }
        }
    }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Confusion[true, predicted] counts.</summary>
    public int[,] Confusion { get; }

    public int Total { get; }

    public int Correct { get; }

    /// <summary>Fraction correct, 0..1.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Recall of one class: correct predictions of it over its images.</summary>
    public double ClassAccuracy(int label)
    {
        int n = 0;
        for (int p = 0; p < Confusion.GetLength(1); p++)
        {
            n += Confusion[label, p];
        }

        return n == 0 ? 0 : (double)Confusion[label, label] / n;
    }

    /// <summary>The confusion matrix as text: one row per true class, one column per predicted class.</summary>
    public string FormatConfusionMatrix()
    {
        int classes = Confusion.GetLength(0);
        var sb = new StringBuilder();
        int nameWidth = Math.Max(4, ClassNames.Count == 0 ? 4 : ClassNames.Max(n => n.Length));
        sb.Append("true\\pred".PadRight(nameWidth + 1));
        for (int p = 0; p < classes; p++)
        {
            sb.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(6));
        }

        sb.AppendLine("  recall");
        for (int t = 0; t < classes; t++)
        {
            string name = t < ClassNames.Count ? ClassNames[t] : t.ToString(CultureInfo.InvariantCulture);
            sb.Append(name.PadRight(nameWidth + 1));
            for (int p = 0; p < classes; p++)
            {
                sb.Append(Confusion[t, p].ToString(CultureInfo.InvariantCulture).PadLeft(6));
            }

            sb.Append(CultureInfo.InvariantCulture, $"  {ClassAccuracy(t) * 100:F1}%").AppendLine();
        }

        return sb.ToString();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Accuracy * 100:F2}% ({Correct}/{Total})");
}

/// <summary>Evaluates float and int8 classifiers on image datasets.</summary>
/// <summary>An anomaly model on labelled data: flagged normal (false alarms) and anomalous (detections) samples, and the score's ROC AUC.</summary>
public sealed record AnomalyEvaluation(int Normal, int Anomalous, int FalseAlarms, int Detected, double Auc);

public static class Evaluation
{
    /// <summary>
    /// Runs the int8 model on every image (pixels fed through the runtime's pixel table), in parallel over private copies
    /// of the model; an anomaly model's normal or anomaly decisions (as the device makes them) against labels 0 normal, else anomalous.
    /// </summary>
    public static EvaluationResult Evaluate(Int8Model model, LabelledSet data, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(model, data);
        bool anomaly = model.OutputKind == OutputKind.Anomaly;
        int classes = anomaly ? 2 : model.Output.OutputElements;
        int workers = Math.Max(1, Math.Min(maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism, Math.Max(1, data.Count / 64)));
        byte[] file = ModelWriter.Write(model);
        var parts = new int[workers][,];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            if (anomaly)
            {
                // The device's decision (normal 0, anomaly 1) against labels 0 normal, anything else anomalous.
                var classifier = new Classifier(file);
                var confusion = new int[2, 2];
                for (int i = (int)((long)data.Count * w / workers); i < (int)((long)data.Count * (w + 1) / workers); i++)
                {
                    confusion[data.Label(i) == 0 ? 0 : 1, data.Classify(classifier, i)]++;
                }

                parts[w] = confusion;
                return;
            }

            // Operators hold their arena offsets, so every worker runs its own decoded copy.
            var interpreter = new Interpreter(ModelReader.Read(file));
            int start = (int)((long)data.Count * w / workers);
            int end = (int)((long)data.Count * (w + 1) / workers);
            parts[w] = Run(interpreter, data, start, end, classes);
        });

        return new EvaluationResult(anomaly ? ["normal", "anomaly"] : ClassNames(model.Labels, data), Sum(parts, classes));
    }

    /// <summary>
    /// Top-1 accuracy and confusion matrix of the int8 model on a user's own float inputs (HWC) and integer labels,
    /// for example a `.npy` pair of samples and classes.
    /// </summary>
    public static EvaluationResult Evaluate(Int8Model model, IReadOnlyList<float[]> inputs, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        int classes = model.Output.OutputElements;
        if (inputs.Count != labels.Count)
        {
            throw new ArgumentException($"{inputs.Count} inputs but {labels.Count} labels");
        }

        var confusion = new int[classes, classes];
        var interpreter = new Interpreter(model);
        for (int i = 0; i < inputs.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
            {
                throw new ArgumentException($"label {labels[i]} of sample {i} is not one of the model's {classes} classes");
            }

            interpreter.SetInputFromFloats(inputs[i], 0);
            interpreter.Invoke();
            confusion[labels[i], interpreter.ArgMax()]++;
        }

        IReadOnlyList<string> names = model.Labels is { Length: > 0 } l && l.Length == classes ? l : [.. Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        return new EvaluationResult(names, confusion);
    }

    /// <summary>
    /// A model with a front-end on raw clips (values in [-1, 1], e.g. WAV samples) as the device runs it: each clip to
    /// int16 and through <see cref="Classifier.ClassifySamples"/>, in parallel over private copies of the model.
    /// </summary>
    public static EvaluationResult EvaluateSamples(Int8Model model, IReadOnlyList<float[]> clips, IReadOnlyList<int> labels, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(labels);
        int raw = model.FrontEnd?.RawSamples ?? 0;
        if (raw == 0)
        {
            throw new ArgumentException("the model has no front-end that takes raw samples");
        }

        if (clips.Count != labels.Count)
        {
            throw new ArgumentException($"{clips.Count} clips but {labels.Count} labels");
        }

        int classes = model.Output.OutputElements;
        byte[] file = ModelWriter.Write(model);
        int workers = Math.Max(1, Math.Min(maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism, Math.Max(1, clips.Count / 64)));
        var parts = new int[workers][,];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var classifier = new Classifier(file);
            var confusion = new int[classes, classes];
            for (int i = (int)((long)clips.Count * w / workers); i < (int)((long)clips.Count * (w + 1) / workers); i++)
            {
                confusion[labels[i], classifier.ClassifySamples(Preprocessing.AudioFeatures.ToPcm(clips[i], raw), 0)]++;
            }

            parts[w] = confusion;
        });

        IReadOnlyList<string> names = model.Labels is { Length: > 0 } l && l.Length == classes ? l : [.. Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        return new EvaluationResult(names, Sum(parts, classes));
    }

    /// <summary>
    /// An anomaly model on labelled inputs (label 0 normal, anything else anomalous): the share of each flagged at
    /// the model's threshold, and the ROC AUC of the score.
    /// </summary>
    public static AnomalyEvaluation EvaluateAnomaly(Int8Model model, IReadOnlyList<float[]> inputs, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (inputs.Count != labels.Count)
        {
            throw new ArgumentException($"{inputs.Count} inputs but {labels.Count} labels");
        }

        var interpreter = new Interpreter(model);
        var score = new AnomalyScore(model);
        var normal = new List<double>();
        var anomalous = new List<double>();
        int falseAlarms = 0, detected = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            interpreter.SetInputFromFloats(inputs[i], 0);
            interpreter.Invoke();
            long sum = AnomalyThreshold.ErrorSum(interpreter, inputs[i]);
            double mse = score.MeanSquaredError(sum);

            // Flagged as the device decides: the integer sum against the threshold's sum.
            bool flagged = score.Classify(sum) == 1;
            (labels[i] == 0 ? normal : anomalous).Add(mse);
            falseAlarms += labels[i] == 0 && flagged ? 1 : 0;
            detected += labels[i] != 0 && flagged ? 1 : 0;
        }

        long pairs = 0, wins2 = 0;
        foreach (double a in anomalous)
        {
            foreach (double n in normal)
            {
                pairs++;
                wins2 += a > n ? 2 : a == n ? 1 : 0;
            }
        }

        return new AnomalyEvaluation(
            normal.Count,
            anomalous.Count,
            falseAlarms,
            detected,
            pairs == 0 ? double.NaN : wins2 / (2.0 * pairs));
    }

    /// <summary>Runs an existing interpreter over every image, on the calling thread.</summary>
    public static EvaluationResult Evaluate(Interpreter interpreter, LabelledSet data)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(interpreter.Model, data);
        int classes = interpreter.OutputLength;
        return new EvaluationResult(ClassNames(interpreter.Model.Labels, data), Run(interpreter, data, 0, data.Count, classes));
    }

    /// <summary>Float top-1 accuracy and confusion matrix (the trainer's fast forward, or <see cref="FloatInference"/> for models it cannot run).</summary>
    public static EvaluationResult Evaluate(FloatModel model, LabelledSet data, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Height != model.Input.H || data.Width != model.Input.W || data.Channels != model.Input.C)
        {
            throw new ArgumentException($"{data.Name} holds {data.Height}x{data.Width}x{data.Channels} images, the model takes {model.Input}");
        }

        int classes = model.Output.Elements;
        Network? net = null;
        try
        {
            net = new Network(model);
        }
        catch (NotSupportedException)
        {
        }

        var confusion = new int[classes, classes];
        if (net != null)
        {
            net.ForEachForward(
                data,
                maxDegreeOfParallelism,
                () => new int[classes, classes],
                (_, i, logits, m) => m[data.Label(i), Network.ArgMax(logits)]++,
                m => Add(confusion, m));
        }
        else
        {
            var input = new float[model.Input.Elements];
            for (int i = 0; i < data.Count; i++)
            {
                data.GetInput(i, input);
                confusion[data.Label(i), FloatInference.Predict(model, input)]++;
            }
        }

        return new EvaluationResult(ClassNames(model.Labels.ToArray(), data), confusion);
    }

    private static int[,] Run(Interpreter interpreter, LabelledSet data, int start, int end, int classes)
    {
        var confusion = new int[classes, classes];
        var scratch = new sbyte[interpreter.Model.InputElements];
        for (int i = start; i < end; i++)
        {
            data.SetModelInput(interpreter, i, scratch);
            interpreter.Invoke();
            int label = data.Label(i);
            if (label >= classes)
            {
                throw new ArgumentException($"label {label} of image {i} is outside the model's {classes} outputs");
            }

            confusion[label, interpreter.ArgMax()]++;
        }

        return confusion;
    }

    private static void CheckShape(Int8Model model, LabelledSet data) => data.CheckShape(model.InputH, model.InputW, model.InputC);

    private static IReadOnlyList<string> ClassNames(string[]? modelLabels, LabelledSet data) =>
        modelLabels is { Length: > 0 } ? modelLabels : data.ClassNames;

    private static int[,] Sum(int[][,] parts, int classes)
    {
        var total = new int[classes, classes];
        foreach (int[,] p in parts)
        {
            Add(total, p);
        }

        return total;
    }

    private static void Add(int[,] total, int[,] part)
    {
        for (int t = 0; t < total.GetLength(0); t++)
        {
            for (int p = 0; p < total.GetLength(1); p++)
            {
                total[t, p] += part[t, p];
            }
        }
    }
}
