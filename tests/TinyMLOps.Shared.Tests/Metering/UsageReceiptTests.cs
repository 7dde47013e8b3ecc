using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Metering;

public class UsageReceiptTests
{
    private static readonly byte[] DeviceKey = MeterSamples.Key(1);

    private static UsageReceipt Sample() => new()
    {
        DeviceId = "dev-7",
        ModelId = "kws",
        VariantId = "kws-int8",
        ReceiptSeq = 3,
        First = 0x0102_0304_0506_0708,
        Count = 64,
        WindowStart = 1_700_000_000,
        WindowEnd = 1_700_000_600,
        BootCount = 2,
        QuotaTokenId = 5,
        GraceCount = 4,
        Flags = UsageReceipt.FlagRecovered,
        PrevHash = Enumerable.Range(0, 32).Select(i => (byte)(i + 1)).ToArray(),
    };

    private static void Rejects(byte[] payload, string named)
    {
        var e = Assert.Throws<ProtocolException>(() => UsageReceipt.Decode(payload));
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static byte[] Signed(UsageReceipt r)
    {
        r.Sign(DeviceKey);
        return r.Encode();
    }

    [Fact]
    public void Receipt_encoding_is_the_documented_body_followed_by_its_HMAC_tag()
    {
        var r = Sample();
        byte[] expectedBody =
        [
            1,
            5, .. "dev-7"u8, 3, .. "kws"u8, 8, .. "kws-int8"u8,
            3, 0, 0, 0,
            8, 7, 6, 5, 4, 3, 2, 1,
            64, 0, 0, 0,
            .. BitConverter.GetBytes(1_700_000_000u), .. BitConverter.GetBytes(1_700_000_600u),
            2, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0,
            1,
            .. r.PrevHash,
        ];
        Assert.Equal(expectedBody, r.Body());

        byte[] tag = HMACSHA256.HashData(DeviceKey, (byte[])[.. Encoding.UTF8.GetBytes("tinymlops-receipt-v1"), .. expectedBody]);
        byte[] encoding = Signed(r);
        Assert.Equal([.. expectedBody, .. tag], encoding);
        Assert.Equal(SHA256.HashData(encoding), r.Hash());
    }

    [Fact]
    public void Receipt_round_trips_every_field_and_verifies_under_its_device_key()
    {
        var sent = Sample();
        byte[] encoding = Signed(sent);
        var got = UsageReceipt.Decode(encoding);
        Assert.Equivalent(sent, got, strict: true);
        Assert.True(got.VerifyTag(DeviceKey));
        Assert.True(got.Recovered);
        Assert.Equal(sent.First + 64, got.Limit);
        Assert.Equal(encoding, got.Encode());
    }

    [Fact]
    public void Random_receipts_round_trip_to_the_same_bytes_and_verify()
    {
        var rng = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            byte[] key = MeterSamples.Key(i);
            byte[] encoding = MeterSamples.Receipt(rng, key).Encode();
            var got = UsageReceipt.Decode(encoding);
            Assert.Equal(encoding, got.Encode());
            Assert.True(got.VerifyTag(key));
        }
    }

    [Fact]
    public void Flipping_any_bit_of_a_receipt_breaks_its_tag_or_its_decoding()
    {
        byte[] encoding = Signed(Sample());
        int decodedButForged = 0;
        for (int bit = 0; bit < encoding.Length * 8; bit++)
        {
            byte[] tampered = (byte[])encoding.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            UsageReceipt got;
            try
            {
                got = UsageReceipt.Decode(tampered);
            }
            catch (ProtocolException)
            {
                continue;
            }

            Assert.False(got.VerifyTag(DeviceKey), "bit " + bit + " flipped and the tag still verifies");
            decodedButForged++;
        }

        Assert.True(decodedButForged > encoding.Length * 4, "most flips decode and must be caught by the tag: " + decodedButForged);
    }

    [Fact]
    public void Receipt_tag_does_not_verify_under_another_device_key_nor_without_a_tag()
    {
        var r = Sample();
        Signed(r);
        Assert.False(r.VerifyTag(MeterTags.Compute(DeviceKey, "other", [1])));
        Assert.False(r.VerifyTag(null!));
        r.Tag = null;
        Assert.False(r.VerifyTag(DeviceKey));
        Assert.Throws<ArgumentException>(() => r.Encode());
    }

    [Fact]
    public void A_quota_tag_over_the_same_bytes_is_not_a_receipt_tag()
    {
        var r = Sample();
        r.Tag = MeterTags.Compute(DeviceKey, MeterTags.QuotaDomain, r.Body());
        Assert.False(r.VerifyTag(DeviceKey));
        Assert.True(MeterTags.Verify(DeviceKey, MeterTags.QuotaDomain, r.Body(), r.Tag));
    }

    [Fact]
    public void Hash_changes_with_every_field()
    {
        byte[] baseline = Signed(Sample()).Length > 0 ? HashOf(Sample()) : [];
        Action<UsageReceipt>[] edits =
        [
            r => r.DeviceId = "dev-8", r => r.ModelId = "kwz", r => r.VariantId = "kws-f32", r => r.ReceiptSeq++,
            r => r.First++, r => r.Count++, r => r.WindowStart--, r => r.WindowEnd++, r => r.BootCount++,
            r => r.QuotaTokenId++, r => r.GraceCount++, r => r.Flags = 0, r => r.PrevHash[31] ^= 1,
        ];
        foreach (var edit in edits)
        {
            var r = Sample();
            edit(r);
            Assert.NotEqual(baseline, HashOf(r));
        }

        static byte[] HashOf(UsageReceipt r)
        {
            r.Sign(DeviceKey);
            return r.Hash();
        }
    }

    [Fact]
    public void Decode_rejects_each_structurally_invalid_receipt_with_its_reason()
    {
        (Action<UsageReceipt> Edit, string Reason)[] cases =
        [
            (r => r.ReceiptSeq = 0, "receipt seq 0"),
            (r => r.Count = 0, "count 0"),
            (r => r.First = ulong.MaxValue - 10, "counter range overflows"),
            (r => r.WindowEnd = r.WindowStart - 1, "window ends before it starts"),
            (r => r.GraceCount = r.Count + 1, "grace count 65 above count 64"),
            (r => r.Flags = 2, "unknown flags 2"),
            (r => r.DeviceId = "", "empty device, model or variant id"),
            (r => r.ModelId = "", "empty device, model or variant id"),
            (r => r.VariantId = "", "empty device, model or variant id"),
        ];
        foreach (var (edit, reason) in cases)
        {
            var r = Sample();
            edit(r);
            Rejects(Signed(r), reason);
        }

        byte[] versionThree = Signed(Sample());
        versionThree[0] = 3;
        Rejects(versionThree, "version 3");
        byte[] versionTwoWithoutSignals = Signed(Sample());
        versionTwoWithoutSignals[0] = 2;
        Rejects(versionTwoWithoutSignals, "observed");
        Rejects(null!, "no payload");
        Rejects(new byte[31], "truncated: 31 bytes, shorter than the tag");
        Assert.Throws<ArgumentException>(() => new UsageReceipt { PrevHash = new byte[31] }.Body());
    }

    private static QuerySignals SampleSignals() => new()
    {
        Observed = 60,
        LowConfidence = 7,
        OutOfDistribution = 3,
        NearDuplicate = 2,
        BaselinePerHour = 350,
    };

    [Fact]
    public void A_version_2_receipt_appends_its_query_signals_to_the_version_1_body_and_round_trips_them()
    {
        var plain = Sample();
        var withSignals = Sample();
        withSignals.Signals = SampleSignals();
        byte[] v1 = plain.Body();
        byte[] v2 = withSignals.Body();
        Assert.Equal(1, v1[0]);
        Assert.Equal(2, v2[0]);
        Assert.Equal(v1[1..], v2[1..v1.Length]);
        Assert.Equal([60, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, .. BitConverter.GetBytes(350u)], v2[v1.Length..]);

        var back = UsageReceipt.Decode(Signed(withSignals));
        Assert.True(back.VerifyTag(DeviceKey));
        Assert.NotNull(back.Signals);
        Assert.Equal((60u, 7u, 3u, 2u, 350u), (back.Signals!.Observed, back.Signals.LowConfidence, back.Signals.OutOfDistribution, back.Signals.NearDuplicate, back.Signals.BaselinePerHour));
        Assert.Null(UsageReceipt.Decode(Signed(plain)).Signals);
    }

    [Fact]
    public void Signals_that_claim_more_than_the_receipt_counts_are_rejected()
    {
        (Action<QuerySignals> Edit, string Reason)[] cases =
        [
            (s => s.Observed = 65, "signals observed 65 above count 64"),
            (s => s.LowConfidence = 61, "a signal count is above the observed inferences 60"),
            (s => s.OutOfDistribution = 61, "a signal count is above the observed inferences 60"),
            (s => s.NearDuplicate = 61, "a signal count is above the observed inferences 60"),
        ];
        foreach (var (edit, reason) in cases)
        {
            var r = Sample();
            r.Signals = SampleSignals();
            edit(r.Signals);
            Rejects(Signed(r), reason);
        }

        var truncated = Sample();
        truncated.Signals = SampleSignals();
        byte[] body = truncated.Body()[..^1];
        Rejects([.. body, .. new byte[32]], "truncated");
    }
}
