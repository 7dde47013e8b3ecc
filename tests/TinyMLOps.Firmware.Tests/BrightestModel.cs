using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Tests.Common;

/// <summary>
/// A real model small enough to reason about: one fully connected layer over a 1x1x3 input (pixels quantized
/// as v/255) with a diagonal weight matrix, so the winning class is the brightest input. Different diagonal
/// values give different content hashes. Also compiled into the host tests (linked file).
/// </summary>
internal static class BrightestModel
{
    public const int Inputs = 3;

    public static byte[] Build(string variantId, byte diagonal, string[] labels)
    {
        var weights = new byte[Inputs * Inputs];
        for (int i = 0; i < Inputs; i++)
        {
            weights[(i * Inputs) + i] = diagonal;
        }

        return ModelWriter.Write(new Int8Model
        {
            ModelId = "brightest",
            VariantId = variantId,
            InputH = 1,
            InputW = 1,
            InputC = Inputs,
            InputScale = 1f / 255f,
            InputZeroPoint = -128,
            Labels = labels,
            Operators =
            [
                new FullyConnected
                {
                    OutH = 1,
                    OutW = 1,
                    OutC = Inputs,
                    FusedActivation = Activation.None,
                    OutScale = 1f / 255f,
                    OutZeroPoint = -128,
                    WeightScales = [1f / 127f, 1f / 127f, 1f / 127f],
                    Bias = new int[Inputs],
                    Weights = weights,
                    WeightsOffset = 0,
                },
            ],
        });
    }
}
