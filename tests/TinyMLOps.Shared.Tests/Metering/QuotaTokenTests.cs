using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Metering;

public class QuotaTokenTests
{
    private static readonly byte[] DeviceKey = MeterSamples.Key(2);

    private static QuotaToken Sample() => new()
    {
        DeviceId = "dev-7",
        ModelId = "kws",
        TokenId = 9,
        Allowance = 10_000,
        IssuedAt = 1_700_000_000,
        ExpiresAt = 1_700_604_800,
        OverrunPolicy = QuotaToken.PolicyGrace,
        GraceAllowance = 50,
    };

    private static byte[] Signed(QuotaToken t)
    {
        t.Sign(DeviceKey);
        return t.Encode();
    }

    private static void Rejects(byte[] payload, string named)
    {
        var e = Assert.Throws<ProtocolException>(() => QuotaToken.Decode(payload));
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_encoding_is_the_documented_body_followed_by_its_HMAC_tag()
    {
        var t = Sample();
        byte[] expectedBody =
        [
            1, 5, .. "dev-7"u8, 3, .. "kws"u8,
            9, 0, 0, 0,
            .. BitConverter.GetBytes(10_000UL),
            .. BitConverter.GetBytes(1_700_000_000u), .. BitConverter.GetBytes(1_700_604_800u),
            3,
            50, 0, 0, 0,
        ];
        Assert.Equal(expectedBody, t.Body());
        byte[] tag = HMACSHA256.HashData(DeviceKey, (byte[])[.. Encoding.UTF8.GetBytes("tinymlops-quota-v1"), .. expectedBody]);
        Assert.Equal([.. expectedBody, .. tag], Signed(t));
        Assert.Equal("quota-grant", QuotaToken.CommandName);
    }

    [Fact]
    public void Token_round_trips_every_field_and_verifies_under_its_device_key()
    {
        var sent = Sample();
        byte[] encoding = Signed(sent);
        var got = QuotaToken.Decode(encoding);
        Assert.Equivalent(sent, got, strict: true);
        Assert.True(got.VerifyTag(DeviceKey));
        Assert.False(got.VerifyTag(MeterSamples.Key(3)));
        Assert.Equal(encoding, got.Encode());

        var rng = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            byte[] one = MeterSamples.Token(rng, DeviceKey).Encode();
            Assert.Equal(one, QuotaToken.Decode(one).Encode());
            Assert.True(QuotaToken.Decode(one).VerifyTag(DeviceKey));
        }
    }

    [Fact]
    public void Flipping_any_bit_of_a_token_breaks_its_tag_or_its_decoding()
    {
        byte[] encoding = Signed(Sample());
        for (int bit = 0; bit < encoding.Length * 8; bit++)
        {
            byte[] tampered = (byte[])encoding.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            try
            {
                Assert.False(QuotaToken.Decode(tampered).VerifyTag(DeviceKey), "bit " + bit);
            }
            catch (ProtocolException)
            {
            }
        }
    }

    [Fact]
    public void A_receipt_tag_over_the_token_bytes_is_not_a_token_tag()
    {
        var t = Sample();
        t.Tag = MeterTags.Compute(DeviceKey, MeterTags.ReceiptDomain, t.Body());
        Assert.False(t.VerifyTag(DeviceKey));
    }

    [Fact]
    public void Decode_rejects_each_structurally_invalid_token_with_its_reason()
    {
        (Action<QuotaToken> Edit, string Reason)[] cases =
        [
            (t => t.TokenId = 0, "token id 0"),
            (t => t.ExpiresAt = t.IssuedAt, "expires at or before it is issued"),
            (t => t.OverrunPolicy = 0, "overrun policy 0"),
            (t => t.OverrunPolicy = 4, "overrun policy 4"),
            (t => t.DeviceId = "", "empty device or model id"),
            (t => t.ModelId = "", "empty device or model id"),
        ];
        foreach (var (edit, reason) in cases)
        {
            var t = Sample();
            edit(t);
            Rejects(Signed(t), reason);
        }

        byte[] encoding = Signed(Sample());
        Rejects([.. encoding, 0], "1 bytes after the last field");
        for (int length = 0; length < encoding.Length; length++)
        {
            Rejects(encoding[..length], "truncated");
        }

        encoding[0] = 0;
        Rejects(encoding, "version 0");
        Assert.Throws<ArgumentException>(() => new QuotaToken().Encode());
        Assert.Equal("free-variant", QuotaToken.PolicyName(QuotaToken.PolicyFreeVariant));
    }
}
