using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Drift;

/// <summary>
/// Builds a variant's reference drift profile from its training data: each sampled image goes through the variant's
/// own input quantization into the input histograms, and through the int8 model (the device's classifier) for the
/// predicted class and top-1 confidence. The sample is evenly spread over the data set, so it is deterministic.
/// </summary>
public static class ProfileBuilder
{
    public const int DefaultSamples = 5000;

    /// <param name="modelFile">The variant's model file (a profile already in it is ignored).</param>
    public static DriftProfile Build(byte[] modelFile, ImageDataset data, int samples = DefaultSamples, int grid = HistogramLayout.DefaultGrid)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (data.Count == 0)
        {
            throw new ArgumentException("a reference profile needs at least one image", nameof(data));
        }

        var classifier = new Classifier(modelFile);
        Int8Model model = classifier.Interpreter.Model;
        if (model.InputElements != data.PixelsPerImage)
        {
            throw new ArgumentException($"the model takes {model.InputElements} values, the images have {data.PixelsPerImage}", nameof(data));
        }

        bool image = model.InputH >= grid && model.InputW >= grid;
        var layout = new HistogramLayout(
            image ? HistogramLayout.KindImageRegions : HistogramLayout.KindPerChannel,
            image ? grid : 0,
            image ? grid : 0,
            HistogramLayout.DefaultInputBins,
            classifier.ClassCount,
            HistogramLayout.DefaultConfidenceBins,
            model.InputH,
            model.InputW,
            model.InputC);
        DriftProfile profile = layout.NewProfile();
        var quantizer = new InputQuantizer(model);
        var input = new sbyte[model.InputElements];
        var raw = new byte[data.PixelsPerImage];
        int n = Math.Min(samples, data.Count);
        for (int s = 0; s < n; s++)
        {
            int index = (int)((long)s * data.Count / n);
            data.Image(index).CopyTo(raw);
            quantizer.Quantize(raw, 0, input, input.Length);
            int predicted = classifier.Classify(raw, 0);
            layout.AddSample(profile, input, 0, input.Length, predicted, classifier.TopConfidence());
        }

        return profile;
    }
}
