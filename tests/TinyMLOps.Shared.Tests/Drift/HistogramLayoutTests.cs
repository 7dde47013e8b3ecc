using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Shared.Tests.Drift;

public class HistogramLayoutTests
{
    [Theory]
    [InlineData(-128, 0)]
    [InlineData(-113, 0)]
    [InlineData(-112, 1)]
    [InlineData(0, 8)]
    [InlineData(127, 15)]
    public void Input_bins_split_the_int8_range_evenly(int q, int bin)
    {
        Assert.Equal(bin, HistogramLayout.InputBin(q, 16));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(6553, 0)]
    [InlineData(6554, 1)]
    [InlineData(65535, 9)]
    [InlineData(70000, 9)]
    [InlineData(-5, 0)]
    public void Confidence_bins_cover_zero_to_one_in_65535ths(int confidence, int bin)
    {
        Assert.Equal(bin, HistogramLayout.ConfidenceBin(confidence, 10));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(6, 6, 0)]
    [InlineData(7, 7, 5)]
    [InlineData(0, 27, 3)]
    [InlineData(27, 27, 15)]
    public void Regions_of_a_28_by_28_image_on_a_4_by_4_grid(int y, int x, int region)
    {
        Assert.Equal(region, HistogramLayout.Region(y, x, 28, 28, 4, 4));
    }

    [Fact]
    public void Every_channel_of_a_pixel_counts_in_its_region()
    {
        // 4x4x2 input on a 2x2 grid: pixel (y, x) holds q = 32 * region + 16 * channel - 128.
        var layout = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 16, 3, 10, 4, 4, 2);
        var input = new sbyte[4 * 4 * 2];
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                int region = HistogramLayout.Region(y, x, 4, 4, 2, 2);
                input[((y * 4) + x) * 2] = (sbyte)((32 * region) - 128);
                input[(((y * 4) + x) * 2) + 1] = (sbyte)((32 * region) - 112);
            }
        }

        var counts = new uint[layout.InputCells];
        layout.AddInput(counts, input, 0, input.Length);

        Assert.Equal(4, layout.Groups);
        for (int g = 0; g < 4; g++)
        {
            // Region g: four pixels, channel 0 in bin 2g, channel 1 in bin 2g + 1.
            for (int b = 0; b < 16; b++)
            {
                uint expected = b == 2 * g || b == (2 * g) + 1 ? 4u : 0u;
                Assert.Equal(expected, counts[(g * 16) + b]);
            }
        }
    }

    [Fact]
    public void A_grid_that_does_not_divide_the_image_gives_the_leftover_rows_to_the_last_regions()
    {
        var layout = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 2, 2, 2, 5, 5, 1);
        var counts = new uint[layout.InputCells];
        layout.AddInput(counts, new sbyte[25], 0, 25);

        // Rows and columns 0..2 map to the first half (y * 2 / 5), 3..4 to the second.
        Assert.Equal([0u, 9u, 0u, 6u, 0u, 6u, 0u, 4u], counts);
    }

    [Fact]
    public void Per_channel_groups_count_each_channel_separately()
    {
        var layout = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 4, 2, 2, 1, 5, 3);
        sbyte[] input = [-128, 0, 127, -128, 0, 127, -128, 0, 127, -100, 10, 100, -90, 20, 90];
        var counts = new uint[layout.InputCells];
        layout.AddInput(counts, input, 0, input.Length);

        Assert.Equal(3, layout.Groups);
        Assert.Equal([5u, 0u, 0u, 0u, 0u, 0u, 5u, 0u, 0u, 0u, 0u, 5u], counts);
    }

    [Fact]
    public void A_sample_adds_its_class_and_confidence_and_counts_once()
    {
        var layout = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 2, 3, 4, 1, 1, 2);
        var profile = layout.NewProfile();
        layout.AddSample(profile, [5, -5, 9], 1, 2, 2, 40000);

        Assert.Equal(1u, profile.SampleCount);
        Assert.Equal([0u, 0u, 1u], profile.ClassCounts);
        Assert.Equal([0u, 0u, 1u, 0u], profile.ConfidenceCounts);
        Assert.Equal([1u, 0u, 0u, 1u], profile.InputCounts);
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.AddOutcome(profile.ClassCounts, profile.ConfidenceCounts, 3, 0));
    }

    [Fact]
    public void An_input_of_the_wrong_length_is_refused()
    {
        var layout = new HistogramLayout(HistogramLayout.KindImageRegions, 4, 4, 16, 10, 10, 28, 28, 1);
        Assert.Throws<ArgumentException>(() => layout.AddInput(new uint[layout.InputCells], new sbyte[783], 0, 783));
        Assert.Throws<ArgumentException>(() => layout.AddInput(new uint[layout.InputCells], new sbyte[784], 1, 784));
    }

    [Theory]
    [InlineData(1, 5, 4, 16, 10, 10)]
    [InlineData(1, 0, 4, 16, 10, 10)]
    [InlineData(1, 20, 20, 16, 10, 10)]
    [InlineData(2, 4, 4, 16, 10, 10)]
    [InlineData(1, 4, 4, 1, 10, 10)]
    [InlineData(1, 4, 4, 65, 10, 10)]
    [InlineData(1, 4, 4, 16, 0, 10)]
    [InlineData(1, 4, 4, 16, 10, 1)]
    [InlineData(3, 4, 4, 16, 10, 10)]
    public void A_layout_outside_the_limits_is_refused(int kind, int gridH, int gridW, int bins, int classes, int confidenceBins)
    {
        Assert.Throws<ArgumentException>(() => new HistogramLayout(kind, gridH, gridW, bins, classes, confidenceBins, 4, 28, 1));
    }

    [Fact]
    public void A_profile_whose_groups_do_not_match_the_input_has_no_layout()
    {
        var profile = new HistogramLayout(HistogramLayout.KindPerChannel, 0, 0, 16, 10, 10, 1, 1, 6).NewProfile();
        Assert.Equal(6, HistogramLayout.ForProfile(profile, 1, 1, 6).Groups);
        Assert.Throws<ArgumentException>(() => HistogramLayout.ForProfile(profile, 1, 1, 3));
    }
}
