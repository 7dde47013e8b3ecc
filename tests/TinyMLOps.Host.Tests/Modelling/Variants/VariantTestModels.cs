using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Modelling.Variants;

/// <summary>Small untrained family members, quantized on a few real images: real files and summaries, built in milliseconds.</summary>
internal static class VariantTestModels
{
    public static (VariantArtifact Artifact, byte[] File) Make(VariantSpec spec, double accuracy)
    {
        var model = spec.Create(TinyMLOps.Modelling.Training.ModelZoo.ImageInput, TestData.Fashion.HeldOut.ClassNames);
        TestData.Randomize(model, seed: spec.Id.Length);
        byte[] file = ModelWriter.Write(PostTrainingQuantizer.Quantize(model, TestData.Fashion.HeldOut.Take(32), new QuantizationOptions { ModelId = "fashion", VariantId = spec.Id }));
        var summary = ModelSummary.Of(file);
        return (new VariantArtifact(spec.Id, "fashion", 1, summary.ContentHash, spec.Architecture, spec.Width, accuracy, 1000, summary, "test", DateTimeOffset.UnixEpoch), file);
    }

    /// <summary>The Fashion family with accuracies that grow with size, as trained ones do.</summary>
    public static IReadOnlyList<VariantArtifact> Family() =>
    [
        Make(new VariantSpec("mlp-w0.25", "mlp", 0.25), 0.850).Artifact,
        Make(new VariantSpec("mlp-w1", "mlp", 1), 0.885).Artifact,
        Make(new VariantSpec("cnn-w0.25", "cnn", 0.25), 0.880).Artifact,
        Make(new VariantSpec("cnn-w1", "cnn", 1), 0.915).Artifact,
    ];
}
