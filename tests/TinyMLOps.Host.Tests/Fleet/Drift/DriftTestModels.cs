using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Fleet.Drift;

/// <summary>The trained test MLP quantized, with a reference profile of 5,000 training images in its file.</summary>
internal static class DriftTestModels
{
    private static readonly Lazy<byte[]> Profiled = new(() =>
    {
        Int8Model int8 = PostTrainingQuantizer.Quantize(TrainedModels.Mlp, TestData.Fashion.HeldOut.Take(500), new QuantizationOptions { ModelId = "fashion", VariantId = "mlp-drift" });
        int8.DriftProfile = ProfileBuilder.Build(ModelWriter.Write(int8), TestData.Fashion.Train);
        return ModelWriter.Write(int8);
    });

    public static byte[] MlpWithProfile => Profiled.Value;
}
