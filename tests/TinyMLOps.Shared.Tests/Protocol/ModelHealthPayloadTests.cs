using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The model-health window (kind 8) and the variant-rollback command arguments.</summary>
public sealed class ModelHealthPayloadTests
{
    private static void Rejects(Func<object> decode, string named)
    {
        var e = Assert.Throws<ProtocolException>(decode);
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static ModelHealthPayload Health() => new()
    {
        VariantId = "cnn-w0.5",
        Role = VariantAssignment.RoleBattery,
        StartUptimeSeconds = 7200,
        WindowSeconds = 3600,
        Inferences = 1000,
        Errors = 3,
        MeanConfidence = 52000,
        LowConfidenceCount = 120,
        DriftMilli = ModelHealthPayload.NoDrift,
    };

    [Fact]
    public void A_health_window_keeps_every_field_in_the_documented_layout()
    {
        byte[] bytes = Health().Encode();
        Assert.Equal(1 + 8 + 1 + 16 + 2 + 4 + 2, bytes.Length);
        Assert.Equal(8, bytes[0]);
        Assert.Equal(2, bytes[9]);
        Assert.Equal(7200u, BitConverter.ToUInt32(bytes, 10));
        Assert.Equal(1000u, BitConverter.ToUInt32(bytes, 18));
        Assert.Equal(52000, BitConverter.ToUInt16(bytes, 26));
        Assert.Equal(0xFFFF, BitConverter.ToUInt16(bytes, 32));

        var got = ModelHealthPayload.Decode(bytes);
        Assert.Equal("cnn-w0.5", got.VariantId);
        Assert.Equal(3u, got.Errors);
        Assert.Equal(120u, got.LowConfidenceCount);
        Assert.Equal(bytes, got.Encode());
        Assert.Equal(MessageKind.ModelHealth, MessageKind.Parse("model-health", uplink: true));
    }

    [Fact]
    public void Truncated_and_inconsistent_health_windows_are_rejected()
    {
        byte[] bytes = Health().Encode();
        for (int length = 0; length < bytes.Length; length++)
        {
            Rejects(() => ModelHealthPayload.Decode(bytes[..length]), "truncated");
        }

        Rejects(() => ModelHealthPayload.Decode([.. bytes, 0]), "1 bytes after the last field");
        Rejects(() => ModelHealthPayload.Decode(With(h => h.Role = 3)), "role 3");
        Rejects(() => ModelHealthPayload.Decode(With(h => h.LowConfidenceCount = 1001)), "1001 low-confidence of 1000 inferences");
        Rejects(() => ModelHealthPayload.Decode(With(h => h.Inferences = h.LowConfidenceCount = 0)), "a mean confidence without inferences");
    }

    private static byte[] With(Action<ModelHealthPayload> change)
    {
        var h = Health();
        change(h);
        return h.Encode();
    }

    [Fact]
    public void A_rollback_command_names_two_different_variants_of_a_role()
    {
        var sent = new VariantRollback { Role = VariantAssignment.RolePlugged, FromVariantId = "cnn-w1", ToVariantId = "cnn-w0.5" };
        var got = VariantRollback.Decode(sent.Encode());
        Assert.Equal((1, "cnn-w1", "cnn-w0.5"), (got.Role, got.FromVariantId, got.ToVariantId));

        Rejects(() => VariantRollback.Decode(new VariantRollback { Role = 0, FromVariantId = "a", ToVariantId = "b" }.Encode()), "role 0");
        Rejects(() => VariantRollback.Decode(new VariantRollback { Role = 1, FromVariantId = "a", ToVariantId = "a" }.Encode()), "two different variants");
        Rejects(() => VariantRollback.Decode(new VariantRollback { Role = 1, FromVariantId = "", ToVariantId = "b" }.Encode()), "two different variants");
        byte[] bytes = sent.Encode();
        for (int length = 0; length < bytes.Length; length++)
        {
            Rejects(() => VariantRollback.Decode(bytes[..length]), "variant-rollback");
        }
    }
}
