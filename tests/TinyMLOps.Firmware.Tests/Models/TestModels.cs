using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>A signed model artifact as the host would ship it: bytes, content hash, tag, variant id.</summary>
internal sealed record SignedModel(byte[] Bytes, byte[] Hash, byte[] Tag, string VariantId);

/// <summary>Small real models (one fully connected layer over three inputs) and their signatures.</summary>
internal static class TestModels
{
    public static readonly byte[] DeviceKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    public static readonly byte[] OtherKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 11))];

    /// <summary>A valid model whose weights depend on seed, so two seeds give two different content hashes.</summary>
    public static byte[] Build(string variantId, int seed)
    {
        const int n = 3;
        var weights = new byte[n * n];
        for (int i = 0; i < n; i++)
        {
            weights[(i * n) + i] = (byte)(100 + (seed % 27));
        }

        var model = new Int8Model
        {
            ModelId = "brightest",
            VariantId = variantId,
            InputH = 1,
            InputW = 1,
            InputC = n,
            InputScale = 1f / 255f,
            InputZeroPoint = -128,
            Labels = ["left", "middle", "right"],
            Operators =
            [
                new FullyConnected
                {
                    OutH = 1,
                    OutW = 1,
                    OutC = n,
                    FusedActivation = Activation.None,
                    OutScale = 1f / 255f,
                    OutZeroPoint = -128,
                    WeightScales = [1f / 127f, 1f / 127f, 1f / 127f],
                    Bias = new int[n],
                    Weights = weights,
                    WeightsOffset = 0,
                },
            ],
        };
        return ModelWriter.Write(model);
    }

    public static byte[] ContentHash(byte[] model) => model.AsSpan(ModelFormat.HashOffset, ModelFormat.HashBytes).ToArray();

    public static SignedModel Signed(string variantId, int seed) => Sign(Build(variantId, seed), variantId, DeviceKey);

    public static SignedModel Sign(byte[] bytes, string variantId, byte[] key)
    {
        byte[] hash = bytes.Length >= ModelFormat.HeaderBytes ? ContentHash(bytes) : new byte[32];
        return new SignedModel(bytes, hash, ArtifactTag.Compute(key, hash, variantId), variantId);
    }
}
