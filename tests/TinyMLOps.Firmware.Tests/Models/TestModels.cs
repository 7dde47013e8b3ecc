using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>A signed model artifact as the host would ship it: bytes, content hash, tag, variant id.</summary>
internal sealed record SignedModel(byte[] Bytes, byte[] Hash, byte[] Tag, string VariantId);

/// <summary>Small real models (one fully connected layer over three inputs) and their signatures.</summary>
internal static class TestModels
{
    public static readonly byte[] DeviceKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    public static readonly byte[] OtherKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 11))];

    /// <summary>A valid model whose weights depend on seed, so two seeds give two different content hashes.</summary>
    public static byte[] Build(string variantId, int seed) =>
        BrightestModel.Build(variantId, (byte)(100 + (seed % 27)), ["left", "middle", "right"]);

    public static byte[] ContentHash(byte[] model) => model.AsSpan(ModelFormat.HashOffset, ModelFormat.HashBytes).ToArray();

    public static SignedModel Signed(string variantId, int seed) => Sign(Build(variantId, seed), variantId, DeviceKey);

    public static SignedModel Sign(byte[] bytes, string variantId, byte[] key)
    {
        byte[] hash = bytes.Length >= ModelFormat.HeaderBytes ? ContentHash(bytes) : new byte[32];
        return new SignedModel(bytes, hash, ArtifactTag.Compute(key, hash, variantId), variantId);
    }
}
