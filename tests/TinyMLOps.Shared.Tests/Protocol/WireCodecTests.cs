using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Protocol;

public class WireCodecTests
{
    private static byte[] Valid(int kind = MessageKind.Heartbeat, string deviceId = "dev-01", byte[]? payload = null) =>
        ProtocolSamples.Envelope(kind, deviceId, 42, payload ?? new HeartbeatPayload().Encode());

    private static ProtocolException Rejects(byte[] data, int reason, string named)
    {
        var e = Assert.Throws<ProtocolException>(() => WireCodec.Decode(data));
        Assert.Equal(reason, e.Reason);
        Assert.StartsWith(RejectReason.Name(reason) + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Encodes_the_documented_byte_layout()
    {
        var message = new Message(MessageKind.Heartbeat, "dev-01", 0x04030201, 0x0D0C0B0A, [0xAA, 0xBB]);
        byte[] bytes = WireCodec.Encode(message);

        byte[] head =
        [
            1, 2, 0, 6, (byte)'d', (byte)'e', (byte)'v', (byte)'-', (byte)'0', (byte)'1',
            0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0C, 0x0D, 0x02, 0x00, 0xAA, 0xBB,
        ];
        Assert.Equal(head.Length + 4, bytes.Length);
        Assert.Equal(head, bytes[..^4]);
        Assert.Equal(Crc32.Compute(head, 0, head.Length), BitConverter.ToUInt32(bytes, bytes.Length - 4));
        Assert.Equal(WireCodec.FixedOverhead + 6 + 2, bytes.Length);
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Round_trips_a_message_of_every_kind(int kind)
    {
        var rng = new Random(kind);
        for (int i = 0; i < 20; i++)
        {
            Message sent = ProtocolSamples.Message(rng, kind);
            byte[] bytes = WireCodec.Encode(sent);
            Message received = WireCodec.Decode(bytes);

            Assert.Equal(WireCodec.Version, received.Version);
            Assert.Equal(kind, received.Kind);
            Assert.Equal(sent.DeviceId, received.DeviceId);
            Assert.Equal(sent.Sequence, received.Sequence);
            Assert.Equal(sent.Timestamp, received.Timestamp);
            Assert.Equal(sent.Payload, received.Payload);
            Assert.Equal(bytes, WireCodec.Encode(received));
            Assert.Equal(sent.Payload, ProtocolSamples.PayloadRoundTrip(kind, received.Payload));
        }
    }

    [Fact]
    public void Round_trips_the_largest_message_a_32_character_id_and_a_4096_byte_payload()
    {
        string id = new('Z', WireCodec.MaxDeviceIdLength);
        byte[] payload = ProtocolSamples.Bytes(new Random(1), WireCodec.MaxPayloadLength);
        var sent = new Message(MessageKind.Chunk, id, uint.MaxValue, uint.MaxValue, payload);

        byte[] bytes = WireCodec.Encode(sent);
        Message received = WireCodec.Decode(bytes);

        Assert.Equal(4146, bytes.Length);
        Assert.Equal(WireCodec.MaxMessageLength, WireCodec.Encode(sent, [1, 2, 3]).Length);
        Assert.Equal(4162, WireCodec.MaxMessageLength);
        Assert.Equal(id, received.DeviceId);
        Assert.Equal(uint.MaxValue, received.Sequence);
        Assert.Equal(payload, received.Payload);
    }

    [Fact]
    public void Round_trips_the_smallest_message_a_one_character_id_and_an_empty_payload()
    {
        byte[] bytes = WireCodec.Encode(new Message(MessageKind.Hello, "a", 1, 0, null!));
        Message received = WireCodec.Decode(bytes);

        Assert.Equal(WireCodec.FixedOverhead + 1, bytes.Length);
        Assert.Equal("a", received.DeviceId);
        Assert.Equal(1u, received.Sequence);
        Assert.Equal(0u, received.Timestamp);
        Assert.Empty(received.Payload);
    }

    [Fact]
    public void Accepts_every_character_of_the_device_id_alphabet()
    {
        const string all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        for (int i = 0; i < all.Length; i += WireCodec.MaxDeviceIdLength)
        {
            string id = all.Substring(i, Math.Min(WireCodec.MaxDeviceIdLength, all.Length - i));
            Assert.True(WireCodec.IsValidDeviceId(id));
            Assert.Equal(id, WireCodec.Decode(Valid(deviceId: id)).DeviceId);
        }
    }

    [Fact]
    public void Decodes_a_message_inside_a_larger_buffer()
    {
        byte[] bytes = Valid();
        byte[] buffer = new byte[bytes.Length + 20];
        bytes.CopyTo(buffer, 7);

        Message received = WireCodec.Decode(buffer, 7, bytes.Length);

        Assert.Equal("dev-01", received.DeviceId);
        Assert.Equal(42u, received.Sequence);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, -1)]
    [InlineData(5, 40)]
    [InlineData(41, 0)]
    public void A_range_outside_the_buffer_is_an_argument_error(int offset, int count)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WireCodec.Decode(new byte[40], offset, count));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    [InlineData("dev 01")]
    [InlineData("dev/01")]
    [InlineData("dev+")]
    [InlineData("dev#")]
    [InlineData("dév")]
    public void The_encoder_refuses_an_invalid_device_id(string id)
    {
        Assert.False(WireCodec.IsValidDeviceId(id));
        Assert.Throws<ArgumentException>(() => WireCodec.Encode(new Message(MessageKind.Hello, id, 1, 0, [])));
    }

    [Fact]
    public void The_encoder_refuses_an_oversized_payload_an_unknown_kind_and_sequence_0()
    {
        Assert.False(WireCodec.IsValidDeviceId(null!));
        Assert.Throws<ArgumentException>(() => WireCodec.Encode(new Message(MessageKind.Hello, "d", 1, 0, new byte[WireCodec.MaxPayloadLength + 1])));
        Assert.Throws<ArgumentException>(() => WireCodec.Encode(new Message(60, "d", 1, 0, [])));
        Assert.Throws<ArgumentException>(() => WireCodec.Encode(new Message(MessageKind.Hello, "d", 0, 0, [])));
    }

    [Fact]
    public void Rejects_a_missing_or_empty_message_as_truncated()
    {
        Rejects(null!, RejectReason.Truncated, "no message");
        Rejects([], RejectReason.Truncated, "empty message");
    }

    [Fact]
    public void Rejects_a_message_shorter_than_the_fixed_envelope_as_truncated()
    {
        Rejects([1, 2, 0, 6, 0x41], RejectReason.Truncated, "an envelope needs at least 19");
    }

    [Fact]
    public void Rejects_a_message_that_ends_inside_its_header_as_truncated()
    {
        Rejects(Valid(deviceId: new string('x', 32))[..20], RejectReason.Truncated, "the header needs 50");
    }

    [Fact]
    public void Rejects_a_message_shorter_than_its_payload_length_as_truncated()
    {
        byte[] bytes = Valid();
        Rejects(bytes[..^1], RejectReason.Truncated, "the envelope declares " + bytes.Length);
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Rejects_every_truncation_of_a_message_of_every_kind_as_truncated(int kind)
    {
        byte[] bytes = ProtocolSamples.Envelope(new Random(kind), kind);
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<ProtocolException>(() => WireCodec.Decode(bytes[..length]));
            Assert.Equal(RejectReason.Truncated, e.Reason);
            Assert.Throws<ProtocolException>(() => WireCodec.Decode(bytes, 0, length));
        }
    }

    [Fact]
    public void Rejects_a_message_over_the_limit_as_oversized()
    {
        Rejects(new byte[WireCodec.MaxMessageLength + 1], RejectReason.Oversized, "4163 bytes, the limit is 4162");
    }

    [Fact]
    public void Rejects_a_payload_length_over_the_limit_as_oversized()
    {
        byte[] bytes = Valid(deviceId: "d", payload: []);
        bytes[4 + 1 + 8] = 0x01;
        bytes[4 + 1 + 9] = 0x10;
        Rejects(bytes, RejectReason.Oversized, "payload length 4097");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void Rejects_unknown_version_with_its_reason(int version)
    {
        byte[] bytes = Valid();
        bytes[0] = (byte)version;
        Rejects(bytes, RejectReason.UnknownVersion, "version " + version);
        Rejects([(byte)version], RejectReason.UnknownVersion, "version " + version);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(63)]
    [InlineData(67)]
    [InlineData(255)]
    public void Rejects_unknown_kind_with_its_reason(int kind)
    {
        byte[] bytes = Valid();
        bytes[1] = (byte)kind;
        ProtocolSamples.FixCrc(bytes);
        Rejects(bytes, RejectReason.UnknownKind, "kind " + kind);
    }

    [Fact]
    public void Rejects_reserved_flags_as_a_bad_payload()
    {
        byte[] bytes = Valid();
        bytes[2] = 0x80;
        ProtocolSamples.FixCrc(bytes);
        Rejects(bytes, RejectReason.BadPayload, "reserved flags 0x80");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(255)]
    public void Rejects_a_device_id_length_outside_1_to_32(int length)
    {
        byte[] bytes = Valid();
        bytes[3] = (byte)length;
        Rejects(bytes, RejectReason.BadDeviceId, "device id length " + length);
    }

    [Theory]
    [InlineData((byte)' ')]
    [InlineData((byte)'/')]
    [InlineData((byte)'+')]
    [InlineData((byte)'#')]
    [InlineData((byte)0)]
    [InlineData((byte)0xC3)]
    public void Rejects_a_device_id_byte_outside_the_alphabet(byte value)
    {
        byte[] bytes = Valid();
        bytes[4 + 3] = value;
        ProtocolSamples.FixCrc(bytes);
        Rejects(bytes, RejectReason.BadDeviceId, "device id byte 3 is 0x" + value.ToString("X2", null));
    }

    [Fact]
    public void Rejects_a_damaged_payload_or_checksum_as_bad_checksum()
    {
        byte[] bytes = Valid();
        bytes[20] ^= 0x04;
        Rejects(bytes, RejectReason.BadChecksum, "CRC-32");

        bytes = Valid();
        bytes[^1] ^= 0x01;
        Rejects(bytes, RejectReason.BadChecksum, "computed");
    }

    [Fact]
    public void Rejects_bytes_after_the_checksum_as_bad_length()
    {
        byte[] bytes = [.. Valid(), 0, 0];
        Rejects(bytes, RejectReason.BadLength, "2 bytes after the checksum");
    }

    [Fact]
    public void Rejects_sequence_0_as_a_bad_payload()
    {
        byte[] bytes = Valid(deviceId: "d");
        bytes.AsSpan(5, 4).Clear();
        ProtocolSamples.FixCrc(bytes);
        Rejects(bytes, RejectReason.BadPayload, "sequence 0");
    }

    [Fact]
    public void Checks_run_in_the_documented_order()
    {
        // Oversized wins over everything, then version, then length, kind, flags, id, checksum, sequence.
        byte[] big = new byte[WireCodec.MaxMessageLength + 1];
        big[0] = 9;
        Rejects(big, RejectReason.Oversized, "limit");

        byte[] bytes = Valid();
        bytes[0] = 2;
        bytes[1] = 200;
        Rejects(bytes, RejectReason.UnknownVersion, "version 2");

        bytes = Valid();
        bytes[1] = 200;
        bytes[3] = 0;
        Rejects(bytes, RejectReason.UnknownKind, "kind 200");

        bytes = Valid();
        bytes[^1] ^= 1;
        bytes.AsSpan(10, 4).Clear();
        Rejects(bytes, RejectReason.BadChecksum, "CRC-32");
    }

    [Fact]
    public void Reason_names_are_distinct_and_prefix_the_message()
    {
        var names = Enumerable.Range(1, RejectReason.Count - 1).Select(RejectReason.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.DoesNotContain("unknown", names);
        Assert.Equal("unknown", RejectReason.Name(RejectReason.Count));

        var e = new ProtocolException(RejectReason.TopicMismatch, "kind 2 on topic .../up/hello");
        Assert.Equal(RejectReason.TopicMismatch, e.Reason);
        Assert.Equal("topic_mismatch: kind 2 on topic .../up/hello", e.Message);
    }
}
