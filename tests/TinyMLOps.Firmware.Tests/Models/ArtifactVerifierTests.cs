using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Tests.Models;

public class ArtifactVerifierTests
{
    private readonly ArtifactVerifier _verifier = new(TestModels.DeviceKey);

    [Fact]
    public void A_signed_model_verifies()
    {
        var m = TestModels.Signed("mlp-a", 1);

        Assert.Equal(ModelResult.Ok, _verifier.Verify(m.Bytes, m.Hash, m.Tag, m.VariantId));
    }

    [Fact]
    public void The_tag_is_hmac_sha256_of_domain_hash_and_variant_id()
    {
        var m = TestModels.Signed("mlp-a", 1);
        byte[] message = [.. Encoding.ASCII.GetBytes("tinymlops-artifact-v1"), .. m.Hash, .. Encoding.UTF8.GetBytes("mlp-a")];

        Assert.Equal(HMACSHA256.HashData(TestModels.DeviceKey, message), m.Tag);
        Assert.Equal(message, ArtifactTag.Message(m.Hash, "mlp-a"));
    }

    [Fact]
    public void A_hash_that_is_not_the_expected_one_is_a_hash_mismatch()
    {
        var m = TestModels.Signed("mlp-a", 1);
        var other = TestModels.Signed("mlp-a", 2);

        Assert.Equal(ModelResult.HashMismatch, _verifier.Verify(m.Bytes, other.Hash, other.Tag, "mlp-a"));
    }

    [Fact]
    public void A_changed_body_byte_is_a_hash_mismatch()
    {
        var m = TestModels.Signed("mlp-a", 1);
        byte[] tampered = (byte[])m.Bytes.Clone();
        tampered[ModelFormat.HeaderBytes + 3] ^= 1;

        Assert.Equal(ModelResult.HashMismatch, _verifier.Verify(tampered, m.Hash, m.Tag, m.VariantId));
    }

    [Fact]
    public void A_truncated_artifact_is_a_hash_mismatch()
    {
        var m = TestModels.Signed("mlp-a", 1);

        Assert.Equal(ModelResult.HashMismatch, _verifier.Verify(m.Bytes[..^1], m.Hash, m.Tag, m.VariantId));
    }

    [Fact]
    public void A_tag_made_with_another_key_is_a_tag_mismatch()
    {
        var m = TestModels.Sign(TestModels.Build("mlp-a", 1), "mlp-a", TestModels.OtherKey);

        Assert.Equal(ModelResult.TagMismatch, _verifier.Verify(m.Bytes, m.Hash, m.Tag, m.VariantId));
    }

    [Fact]
    public void A_tag_for_another_variant_id_is_a_tag_mismatch()
    {
        var m = TestModels.Signed("mlp-a", 1);

        Assert.Equal(ModelResult.TagMismatch, _verifier.Verify(m.Bytes, m.Hash, m.Tag, "mlp-b"));
    }

    [Fact]
    public void A_flipped_tag_bit_or_a_short_tag_is_a_tag_mismatch()
    {
        var m = TestModels.Signed("mlp-a", 1);
        byte[] flipped = (byte[])m.Tag.Clone();
        flipped[31] ^= 0x80;

        Assert.Equal(ModelResult.TagMismatch, _verifier.Verify(m.Bytes, m.Hash, flipped, m.VariantId));
        Assert.Equal(ModelResult.TagMismatch, _verifier.Verify(m.Bytes, m.Hash, m.Tag[..16], m.VariantId));
        Assert.Equal(ModelResult.TagMismatch, _verifier.Verify(m.Bytes, m.Hash, null!, m.VariantId));
    }

    [Fact]
    public void Signed_bytes_the_model_reader_refuses_are_not_a_model()
    {
        // A correctly hashed and signed body behind a bad CRC: authentic, but not loadable.
        byte[] bytes = TestModels.Build("mlp-a", 1);
        bytes[^1] ^= 0xFF;
        var m = TestModels.Sign(bytes, "mlp-a", TestModels.DeviceKey);

        Assert.Equal(ModelResult.NotAModel, _verifier.Verify(m.Bytes, m.Hash, m.Tag, m.VariantId));
    }

    [Fact]
    public void Bytes_too_short_for_a_model_envelope_are_not_a_model()
    {
        Assert.Equal(ModelResult.NotAModel, _verifier.Verify(new byte[20], new byte[32], new byte[32], "x"));
    }

    [Fact]
    public void No_artifact_is_missing()
    {
        Assert.Equal(ModelResult.Missing, _verifier.Verify(null!, new byte[32], new byte[32], "x"));
    }

    [Fact]
    public void Fixed_time_equality_compares_contents_and_lengths()
    {
        Assert.True(ArtifactTag.FixedTimeEquals([1, 2, 3], [1, 2, 3]));
        Assert.False(ArtifactTag.FixedTimeEquals([1, 2, 3], [1, 2, 4]));
        Assert.False(ArtifactTag.FixedTimeEquals([1, 2, 3], [1, 2]));
        Assert.False(ArtifactTag.FixedTimeEquals(null!, [1]));
    }

    [Fact]
    public void Result_codes_have_names_for_logs()
    {
        Assert.Equal("tag-mismatch", ModelResult.Name(ModelResult.TagMismatch));
        Assert.Equal("result-99", ModelResult.Name(99));
    }
}
