using System.Text;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The variant-assign command arguments and the variant-switch uplink (docs/protocol.md).</summary>
public class VariantPayloadTests
{
    private static VariantAssignment Assignment(string variantId = "cnn-w0.5") => new()
    {
        Role = VariantAssignment.RoleBattery,
        VariantId = variantId,
        ContentHash = [.. Enumerable.Range(0, 32).Select(i => (byte)i)],
        Tag = [.. Enumerable.Range(0, 32).Select(i => (byte)(200 - i))],
        TransferId = 0xA1B2C3D4,
        TotalLength = 123_456,
    };

    private static void Rejects(Func<object> decode, string named)
    {
        var e = Assert.Throws<ProtocolException>(decode);
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assignment_keeps_every_field_in_the_documented_layout()
    {
        var sent = Assignment();
        byte[] bytes = sent.Encode();
        int v = Encoding.UTF8.GetByteCount(sent.VariantId);
        Assert.Equal(VariantAssignment.FixedBytes + v, bytes.Length);
        Assert.Equal(74 + v, bytes.Length);
        Assert.Equal(2, bytes[0]);
        Assert.Equal(v, bytes[1]);
        Assert.Equal(sent.ContentHash, bytes[(2 + v)..(34 + v)]);
        Assert.Equal(sent.Tag, bytes[(34 + v)..(66 + v)]);
        Assert.Equal(0xA1B2C3D4u, BitConverter.ToUInt32(bytes, 66 + v));
        Assert.Equal(123_456u, BitConverter.ToUInt32(bytes, 70 + v));

        var got = VariantAssignment.Decode(bytes);
        Assert.Equal(sent.Role, got.Role);
        Assert.Equal(sent.VariantId, got.VariantId);
        Assert.Equal(sent.ContentHash, got.ContentHash);
        Assert.Equal(sent.Tag, got.Tag);
        Assert.Equal(sent.TransferId, got.TransferId);
        Assert.Equal(sent.TotalLength, got.TotalLength);
        Assert.Equal(bytes, got.Encode());
    }

    [Fact]
    public void Every_truncation_and_a_trailing_byte_of_an_assignment_are_rejected()
    {
        byte[] bytes = Assignment("温度-v2").Encode();
        for (int length = 0; length < bytes.Length; length++)
        {
            Rejects(() => VariantAssignment.Decode(bytes[..length]), "truncated");
        }

        Rejects(() => VariantAssignment.Decode([.. bytes, 0]), "1 bytes after the last field");
        Rejects(() => VariantAssignment.Decode(null!), "no payload");
    }

    [Fact]
    public void An_assignment_with_a_bad_role_an_empty_id_or_ill_formed_utf8_is_rejected()
    {
        byte[] bytes = Assignment().Encode();
        foreach (byte role in new byte[] { 0, 3, 255 })
        {
            byte[] bad = [.. bytes];
            bad[0] = role;
            Rejects(() => VariantAssignment.Decode(bad), "role " + role);
        }

        Rejects(() => VariantAssignment.Decode(Assignment("").Encode()), "empty variant id");
        byte[] utf8 = Assignment("ab").Encode();
        utf8[2] = 0xC0;
        utf8[3] = 0x80;
        Rejects(() => VariantAssignment.Decode(utf8), "variant id is not well-formed UTF-8");
        Assert.Throws<ArgumentException>(() => new VariantAssignment { Role = 1, VariantId = "x", ContentHash = new byte[31] }.Encode());
    }

    private static VariantSwitchPayload Switch() => new()
    {
        Reason = VariantSwitchPayload.ReasonPower,
        FromRole = VariantAssignment.RolePlugged,
        ToRole = VariantAssignment.RoleBattery,
        UptimeSeconds = 3600,
        PowerSource = 1,
        BatteryPercent = 77,
        SwitchesTotal = 5,
        PluggedVariantId = "cnn-w1",
        BatteryVariantId = "mlp-w0.25",
    };

    [Fact]
    public void A_switch_report_keeps_every_field_in_the_documented_layout()
    {
        var sent = Switch();
        byte[] bytes = sent.Encode();
        Assert.Equal(21 + 6 + 9, bytes.Length);
        Assert.Equal([1, 1, 2], bytes[..3]);
        Assert.Equal(3600u, BitConverter.ToUInt32(bytes, 3));
        Assert.Equal([1, 77], bytes[7..9]);
        Assert.Equal(5u, BitConverter.ToUInt32(bytes, 9));
        Assert.Equal([0, 0, 0, 0, 0, 0], bytes[13..19]);
        Assert.Equal(6, bytes[19]);

        var got = VariantSwitchPayload.Decode(bytes);
        Assert.Equal("cnn-w1", got.PluggedVariantId);
        Assert.Equal("mlp-w0.25", got.BatteryVariantId);
        Assert.Equal(77, got.BatteryPercent);
        Assert.Equal(bytes, got.Encode());
        Assert.Equal("variant-switch", MessageKind.Name(MessageKind.VariantSwitch));
        Assert.Equal(MessageKind.VariantSwitch, MessageKind.Parse("variant-switch", uplink: true));
        Assert.True(MessageKind.IsUplink(7));
    }

    [Fact]
    public void Every_truncation_of_a_switch_report_is_rejected()
    {
        byte[] bytes = Switch().Encode();
        for (int length = 0; length < bytes.Length; length++)
        {
            Rejects(() => VariantSwitchPayload.Decode(bytes[..length]), "truncated");
        }

        Rejects(() => VariantSwitchPayload.Decode([.. bytes, 0]), "1 bytes after the last field");
    }

    [Fact]
    public void Inconsistent_switch_reports_are_rejected()
    {
        static byte[] With(Action<VariantSwitchPayload> change)
        {
            var p = Switch();
            change(p);
            return p.Encode();
        }

        Rejects(() => VariantSwitchPayload.Decode(With(p => p.Reason = 5)), "reason 5");
        Rejects(() => VariantSwitchPayload.Decode(With(p => { p.Reason = 4; p.ToRole = 1; p.AssignedRole = 1; p.TransferId = 3; })), "a rollback carries no transfer");
        Rejects(() => VariantSwitchPayload.Decode(With(p => p.ToRole = 3)), "roles 1 to 3");
        Rejects(() => VariantSwitchPayload.Decode(With(p => p.ToRole = 1)), "a power switch goes from one role to the other");
        Rejects(() => VariantSwitchPayload.Decode(With(p => p.TransferId = 9)), "without assignment fields");
        Rejects(() => VariantSwitchPayload.Decode(With(p => p.PowerSource = 3)), "power source 3");
        Rejects(() => VariantSwitchPayload.Decode(With(p => p.BatteryPercent = 101)), "battery 101%");
        Rejects(() => VariantSwitchPayload.Decode(With(p => { p.Reason = 2; p.ToRole = 1; })), "names the assigned role");
        Rejects(() => VariantSwitchPayload.Decode(With(p => { p.Reason = 2; p.ToRole = 1; p.AssignedRole = 2; p.Result = 2; })), "result 2 for reason installed");
        Rejects(() => VariantSwitchPayload.Decode(With(p => { p.Reason = 3; p.ToRole = 1; p.AssignedRole = 2; })), "result 0 for reason rejected");

        var rolledBack = VariantSwitchPayload.Decode(With(p => { p.Reason = 4; p.ToRole = 1; p.AssignedRole = 1; p.Result = 7; }));
        Assert.Equal("rolled-back", VariantSwitchPayload.ReasonName(rolledBack.Reason));
        Assert.Equal(7, rolledBack.Result);

        var rejected = VariantSwitchPayload.Decode(With(p => { p.Reason = 3; p.ToRole = 1; p.AssignedRole = 2; p.Result = 2; p.TransferId = 7; }));
        Assert.Equal(2, rejected.Result);
        Assert.Equal(7u, rejected.TransferId);
    }
}
