using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Shared.Tests.Drift;

public class DriftProfileTests
{
    [Fact]
    public void A_profile_round_trips_every_field()
    {
        var rng = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            DriftProfile sent = DriftSamples.Profile(rng);
            byte[] bytes = sent.Encode();
            Assert.Equal(sent.EncodedLength, bytes.Length);

            DriftProfile read = DriftProfile.Decode([0xEE, .. bytes, 0xEE], 1, bytes.Length);
            Assert.Equal((sent.GroupKind, sent.GridH, sent.GridW, sent.InputBins, sent.Groups, sent.Classes, sent.ConfidenceBins, sent.AlarmPsiMilli, sent.SampleCount),
                (read.GroupKind, read.GridH, read.GridW, read.InputBins, read.Groups, read.Classes, read.ConfidenceBins, read.AlarmPsiMilli, read.SampleCount));
            Assert.Equal(sent.InputCounts, read.InputCounts);
            Assert.Equal(sent.ClassCounts, read.ClassCounts);
            Assert.Equal(sent.ConfidenceCounts, read.ConfidenceCounts);
            Assert.Equal(bytes, read.Encode());
        }
    }

    [Fact]
    public void Every_truncation_is_rejected_naming_the_field_it_cuts()
    {
        var profile = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 3, 4, 5, 3, 8, 8, 1).NewProfile();
        byte[] bytes = profile.Encode();
        string[] header =
        [
            "version", "group kind", "grid height", "grid width", "input bins", "input groups", "input groups", "classes", "classes",
            "confidence bins", "alarm threshold", "alarm threshold", "sample count", "sample count", "sample count", "sample count",
        ];
        int inputEnd = DriftProfile.HeaderBytes + (4 * 6 * 4);
        int classEnd = inputEnd + (4 * 5);
        for (int n = 0; n < bytes.Length; n++)
        {
            string field = n < DriftProfile.HeaderBytes ? header[n] : n < inputEnd ? "input counts" : n < classEnd ? "class counts" : "confidence counts";
            var e = Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(bytes, 0, n));
            Assert.Contains("truncated: drift profile " + field, e.Message);
        }
    }

    [Fact]
    public void Trailing_bytes_and_a_range_outside_the_data_are_rejected()
    {
        byte[] bytes = DriftSamples.Profile(new Random(1)).Encode();
        Assert.Contains("1 bytes after the confidence counts", Assert.Throws<ModelFormatException>(() => DriftProfile.Decode([.. bytes, 0], 0, bytes.Length + 1)).Message);
        Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(bytes, 1, bytes.Length));
        Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(null!, 0, 0));
    }

    [Theory]
    [InlineData(0, 2, "version 2 unsupported")]
    [InlineData(1, 3, "group kind 3 unknown")]
    [InlineData(2, 3, "grid 3x2 does not make 4 input groups")]
    [InlineData(4, 1, "input bins 1 outside 2..64")]
    [InlineData(4, 65, "input bins 65 outside 2..64")]
    [InlineData(9, 1, "confidence bins 1 outside 2..64")]
    [InlineData(10, 0, "alarm threshold 0 outside 1..65535")]
    public void A_header_field_out_of_range_is_rejected_by_name(int offset, int value, string reason)
    {
        var profile = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 4, 3, 3, 8, 8, 1).NewProfile();
        byte[] bytes = profile.Encode();
        bytes[offset] = (byte)value;
        if (offset == 10)
        {
            bytes[11] = 0;
        }

        var e = Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(bytes, 0, bytes.Length));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Per_channel_groups_must_have_an_empty_grid_and_groups_and_classes_must_be_positive()
    {
        var profile = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 4, 3, 3, 1, 8, 2).NewProfile();
        byte[] withGrid = profile.Encode();
        withGrid[2] = 1;
        Assert.Contains("grid must be 0x0", Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(withGrid, 0, withGrid.Length)).Message);

        byte[] noGroups = profile.Encode();
        noGroups[5] = 0;
        Assert.Contains("input groups 0 outside 1..256", Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(noGroups, 0, noGroups.Length)).Message);

        byte[] noClasses = profile.Encode();
        noClasses[7] = 0;
        Assert.Contains("classes 0 outside 1..2048", Assert.Throws<ModelFormatException>(() => DriftProfile.Decode(noClasses, 0, noClasses.Length)).Message);
    }

    [Fact]
    public void Encoding_refuses_counts_that_do_not_match_the_layout()
    {
        var profile = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 4, 3, 3, 1, 8, 2).NewProfile();
        profile.ClassCounts = new uint[2];
        Assert.Contains("class counts", Assert.Throws<ModelFormatException>(profile.Encode).Message);
    }

    [Fact]
    public void Check_fits_compares_classes_and_groups_with_the_model()
    {
        var regions = new HistogramLayout(HistogramLayout.KindImageRegions, 4, 4, 16, 10, 10, 28, 28, 1).NewProfile();
        regions.CheckFits(28, 28, 1, 10);
        Assert.Contains("10 classes", Assert.Throws<ModelFormatException>(() => regions.CheckFits(28, 28, 1, 9)).Message);
        Assert.Contains("do not fit", Assert.Throws<ModelFormatException>(() => regions.CheckFits(3, 28, 1, 10)).Message);

        var channels = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 16, 4, 10, 1, 50, 3).NewProfile();
        channels.CheckFits(1, 50, 3, 4);
        Assert.Throws<ModelFormatException>(() => channels.CheckFits(1, 50, 6, 4));
    }

    /// <summary>Random edits of valid profiles: the decoder accepts or throws ModelFormatException, nothing else.</summary>
    [Fact]
    public void Fuzzed_profiles_fail_only_with_a_model_format_exception_and_accepted_ones_re_encode_identically()
    {
        var rng = new Random(2025);
        byte[][] seeds = [.. Enumerable.Range(0, 20).Select(_ => DriftSamples.Profile(rng).Encode())];
        int rejected = 0, accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] data = Mutate(rng, seeds[i % seeds.Length]);
            try
            {
                DriftProfile p = DriftProfile.Decode(data, 0, data.Length);
                Assert.Equal(data, p.Encode());
                accepted++;
            }
            catch (ModelFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 5_000, $"only {rejected} rejected");
        Assert.True(accepted > 1_000, $"only {accepted} accepted");
    }

    private static byte[] Mutate(Random rng, byte[] seed)
    {
        var data = seed.ToList();
        int at = rng.Next(data.Count);
        switch (rng.Next(5))
        {
            case 0: data[at] ^= (byte)(1 << rng.Next(8)); break;
            case 1: data[at] = (byte)rng.Next(256); break;
            case 2: data.RemoveRange(at, Math.Min(rng.Next(1, 16), data.Count - at)); break;
            case 3: data.InsertRange(at, Enumerable.Range(0, rng.Next(1, 8)).Select(_ => (byte)rng.Next(256))); break;
            default: data[at] = (byte)(rng.Next(2) == 0 ? 0xFF : 0x00); break;
        }

        return [.. data];
    }
}
