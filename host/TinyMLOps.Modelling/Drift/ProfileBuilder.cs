using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Drift;

/// <summary>
/// Builds a variant's reference drift profile from its training data: each sampled input goes through the variant's
/// own input path (the pixel quantization, or the front-end for raw signals) into the input histograms, and through
/// the int8 model (the device's classifier) for the predicted class and top-1 confidence. The sample is evenly
/// spread over the data set, so it is deterministic.
/// </summary>
public static class ProfileBuilder
{
    public const int DefaultSamples = 5000;

    /// <param name="modelFile">The variant's model file (a profile already in it is ignored).</param>
    /// <param name="groups">How input values group into histograms; null: <see cref="DriftGroups.For"/> the model's input.</param>
    public static DriftProfile Build(byte[] modelFile, LabelledSet data, int samples = DefaultSamples, DriftGroups? groups = null)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (data.Count == 0)
        {
            throw new ArgumentException("a reference profile needs at least one sample", nameof(data));
        }

        var classifier = new Classifier(modelFile);
        Int8Model model = classifier.Interpreter.Model;
        data.CheckShape(model.InputH, model.InputW, model.InputC);
        groups ??= DriftGroups.For(model.InputH, model.InputW, model.InputC);
        var layout = new HistogramLayout(
            groups.Kind,
            groups.GridH,
            groups.GridW,
            HistogramLayout.DefaultInputBins,
            classifier.ClassCount,
            HistogramLayout.DefaultConfidenceBins,
            model.InputH,
            model.InputW,
            model.InputC);
        DriftProfile profile = layout.NewProfile();
        var quantizer = new InputQuantizer(model);
        var input = new sbyte[model.InputElements];
        // As the device's monitor: pixels through the model's own table when the model takes them directly
        // (DriftMonitor.ObservePixels), else the int8 input the front-end made.
        bool direct = classifier.FrontEnd == null;
        var raw = new byte[direct ? data.RawLength : 0];
        int n = Math.Min(samples, data.Count);
        for (int s = 0; s < n; s++)
        {
            int index = (int)((long)s * data.Count / n);
            int predicted = data.Classify(classifier, index);
            if (direct)
            {
                data.ReadPixels(index, raw);
                quantizer.Quantize(raw, 0, input, input.Length);
            }
            else
            {
                Array.Copy(classifier.ProcessedInput, input, input.Length);
            }

            layout.AddSample(profile, input, 0, input.Length, predicted, classifier.TopConfidence());
        }

        return profile;
    }
}
