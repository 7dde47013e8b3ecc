using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

public class DriftPayloadTests
{
    // Offsets with the two-byte variant id "v1".
    private const int FlagsAt = 19;
    private const int FeatureAt = 22;
    private const int BinsAt = 31;
    private const int GroupsAt = 32;

    private static DriftPayload Small() => new()
    {
        VariantId = "v1",
        StartUptimeSeconds = 7200,
        WindowSeconds = 3600,
        SampleCount = 250,
        Epsilon = 1f,
        Flags = DriftPayload.FlagAlarm,
        InputPsiMaxMilli = 412,
        InputPsiMaxFeature = 1,
        InputPsiMeanMilli = 120,
        ClassPsiMilli = 33,
        ConfidencePsiMilli = DriftPayload.NotComputed,
        InputJsMilli = 71,
        InputBins = 2,
        Groups = 2,
        InputCounts = [1, 2, 3, 70000],
        ClassCounts = [9, 8, 7],
        ConfidenceCounts = [5, 6],
    };

    private static string RejectedWith(byte[] payload)
    {
        var e = Assert.Throws<ProtocolException>(() => DriftPayload.Decode(payload));
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        return e.Message;
    }

    [Fact]
    public void A_window_keeps_every_field_and_saturates_counts_at_65535()
    {
        DriftPayload read = DriftPayload.Decode(Small().Encode());

        Assert.Equal("v1", read.VariantId);
        Assert.Equal((7200u, 3600u, 250u, 1f), (read.StartUptimeSeconds, read.WindowSeconds, read.SampleCount, read.Epsilon));
        Assert.True(read.Alarm);
        Assert.Equal((412, 1, 120, 33, DriftPayload.NotComputed, 71), (read.InputPsiMaxMilli, read.InputPsiMaxFeature, read.InputPsiMeanMilli, read.ClassPsiMilli, read.ConfidencePsiMilli, read.InputJsMilli));
        Assert.Equal((2, 2), (read.InputBins, read.Groups));
        Assert.Equal([1u, 2u, 3u, 65535u], read.InputCounts);
        Assert.Equal([9u, 8u, 7u], read.ClassCounts);
        Assert.Equal([5u, 6u], read.ConfidenceCounts);
    }

    [Fact]
    public void Scores_are_copied_in_thousandths()
    {
        var p = Small();
        p.SetScores(new DriftScores { InputPsiMax = 0.25, InputPsiMaxGroup = 1, InputPsiMean = 0.1234, ClassPsi = 0, ConfidencePsi = 3.0004, InputJensenShannon = 0.05 });
        Assert.Equal((250, 1, 123, 0, 3000, 50), (p.InputPsiMaxMilli, p.InputPsiMaxFeature, p.InputPsiMeanMilli, p.ClassPsiMilli, p.ConfidencePsiMilli, p.InputJsMilli));
    }

    [Theory]
    [InlineData(FlagsAt, 2, "unknown flags 0x02")]
    [InlineData(FeatureAt, 2, "feature index 2 of 2 groups")]
    [InlineData(BinsAt, 1, "input bins 1 outside 2..64")]
    [InlineData(BinsAt, 65, "input bins 65 outside 2..64")]
    [InlineData(GroupsAt, 0, "0 input groups")]
    public void A_field_out_of_range_is_rejected_by_name(int offset, int value, string reason)
    {
        byte[] bytes = Small().Encode();
        bytes[offset] = (byte)value;
        Assert.Contains(reason, RejectedWith(bytes));
    }

    [Fact]
    public void More_than_1024_input_cells_are_refused_at_both_ends()
    {
        var p = Small();
        p.InputBins = 64;
        p.Groups = 17;
        p.InputCounts = new uint[64 * 17];
        Assert.Throws<ArgumentException>(() => p.Encode());

        byte[] bytes = Small().Encode();
        bytes[BinsAt] = 64;
        bytes[GroupsAt] = 17;
        Assert.Contains("F*B at most 1024", RejectedWith(bytes));
    }

    [Fact]
    public void The_largest_layout_fits_the_payload_limit_and_a_larger_window_is_refused()
    {
        var p = Small();
        p.VariantId = new string('v', 255);
        p.InputBins = 16;
        p.Groups = 64;
        p.InputCounts = new uint[1024];
        p.ConfidenceCounts = new uint[64];
        p.ClassCounts = new uint[(WireCodec.MaxPayloadLength - DriftPayload.FixedBytes - 255 - (2 * (1024 + 64))) / 2];
        Assert.Equal(WireCodec.MaxPayloadLength, p.Encode().Length);

        p.ClassCounts = new uint[p.ClassCounts.Length + 1];
        Assert.Throws<ArgumentException>(() => p.Encode());
    }

    [Fact]
    public void Negative_or_nan_epsilon_is_rejected()
    {
        foreach (float epsilon in new[] { -1f, float.NaN, float.PositiveInfinity })
        {
            var p = Small();
            p.Epsilon = epsilon;
            Assert.Throws<ArgumentException>(() => p.Encode());

            byte[] bytes = Small().Encode();
            BitConverter.GetBytes(epsilon).CopyTo(bytes, 15);
            Assert.Contains("epsilon", RejectedWith(bytes));
        }
    }

    [Fact]
    public void Every_truncation_names_a_field()
    {
        byte[] bytes = Small().Encode();
        for (int n = 0; n < bytes.Length; n++)
        {
            Assert.Contains("drift: truncated", RejectedWith(bytes[..n]));
        }

        Assert.Contains("confidence counts", RejectedWith(bytes[..^1]));
        Assert.Contains("class counts", RejectedWith(bytes[..^7]));
    }
}
