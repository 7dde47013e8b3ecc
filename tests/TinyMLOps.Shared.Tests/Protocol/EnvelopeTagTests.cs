using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The authenticated envelope: flag, tag position and value, per-direction keys, and what a changed byte does to the tag.</summary>
public class EnvelopeTagTests
{
    private static readonly byte[] DeviceKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(200 - i))];
    private static readonly byte[] Up = EnvelopeKeys.Uplink(DeviceKey);
    private static readonly byte[] Down = EnvelopeKeys.Downlink(DeviceKey);

    [Fact]
    public void Direction_keys_are_HMAC_SHA256_of_the_device_key_over_their_domain_and_differ()
    {
        Assert.Equal(HMACSHA256.HashData(DeviceKey, Encoding.UTF8.GetBytes("tinymlops-uplink-key-v1")), Up);
        Assert.Equal(HMACSHA256.HashData(DeviceKey, Encoding.UTF8.GetBytes("tinymlops-downlink-key-v1")), Down);
        Assert.NotEqual(Up, Down);
        Assert.Null(EnvelopeKeys.Uplink(null!));
        Assert.Null(EnvelopeKeys.Downlink([]));
    }

    [Fact]
    public void Encodes_the_documented_tagged_layout_sixteen_bytes_more_than_untagged()
    {
        var message = new Message(MessageKind.Ack, "dev-01", 7, 9, new AckPayload([1u], [5u]).Encode());
        byte[] plain = WireCodec.Encode(message);
        byte[] tagged = WireCodec.Encode(message, Down);

        Assert.Equal(plain.Length + WireCodec.TagBytes, tagged.Length);
        Assert.Equal(WireCodec.FlagAuthenticated, tagged[2]);
        int covered = plain.Length - 4;
        Assert.Equal(plain[3..covered], tagged[3..covered]);
        byte[] expected = HMACSHA256.HashData(Down, tagged[..covered])[..WireCodec.TagBytes];
        Assert.Equal(expected, tagged[covered..^4]);
        Assert.Equal(Crc32.Compute(tagged, 0, tagged.Length - 4), BitConverter.ToUInt32(tagged, tagged.Length - 4));
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void A_tagged_message_of_every_kind_decodes_and_verifies_only_under_its_key(int kind)
    {
        var rng = new Random(kind + 100);
        for (int i = 0; i < 10; i++)
        {
            Message sent = ProtocolSamples.Message(rng, kind);
            byte[] bytes = WireCodec.Encode(sent, Up);
            Message received = WireCodec.Decode(bytes);

            Assert.True(received.Authenticated);
            Assert.Equal(sent.Payload, received.Payload);
            Assert.Equal(bytes, WireCodec.Encode(received, Up));
            Assert.True(WireCodec.Verify(bytes, Up));
            Assert.False(WireCodec.Verify(bytes, Down));
            Assert.False(WireCodec.Verify(bytes, EnvelopeKeys.Uplink([1, 2, 3])));
            Assert.False(WireCodec.Decode(WireCodec.Encode(sent)).Authenticated);
            Assert.False(WireCodec.Verify(WireCodec.Encode(sent), Up));
        }
    }

    [Fact]
    public void Any_changed_byte_under_the_tag_fails_to_decode_or_to_verify_even_with_the_CRC_fixed()
    {
        var rng = new Random(21);
        int verified = 0;
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes = WireCodec.Encode(ProtocolSamples.Message(rng, ProtocolSamples.AllKinds[rng.Next(ProtocolSamples.AllKinds.Length)]), Down);
            int at = rng.Next(bytes.Length - 4);
            bytes[at] ^= (byte)(1 << rng.Next(8));
            ProtocolSamples.FixCrc(bytes);
            try
            {
                WireCodec.Decode(bytes);
            }
            catch (ProtocolException)
            {
                continue;
            }

            verified += WireCodec.Verify(bytes, Down) ? 1 : 0;
        }

        Assert.Equal(0, verified);
    }

    [Fact]
    public void The_flag_without_its_tag_is_truncated_and_other_flag_bits_stay_reserved()
    {
        byte[] bytes = WireCodec.Encode(new Message(MessageKind.Heartbeat, "dev-01", 1, 0, new HeartbeatPayload().Encode()));
        bytes[2] = WireCodec.FlagAuthenticated;
        ProtocolSamples.FixCrc(bytes);
        Assert.Equal(RejectReason.Truncated, Assert.Throws<ProtocolException>(() => WireCodec.Decode(bytes)).Reason);

        byte[] tagged = WireCodec.Encode(new Message(MessageKind.Heartbeat, "dev-01", 1, 0, new HeartbeatPayload().Encode()), Up);
        tagged[2] = 0x03;
        ProtocolSamples.FixCrc(tagged);
        Assert.Equal(RejectReason.BadPayload, Assert.Throws<ProtocolException>(() => WireCodec.Decode(tagged)).Reason);
    }
}
