using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>Matching array shapes against a model's H x W x C input (`model predict`).</summary>
public class ArrayLayoutTests
{
    [Theory]
    [InlineData(new[] { 5, 3, 12, 10 }, ArrayLayout.Auto, 5, true, "NCHW")]
    [InlineData(new[] { 5, 12, 10, 3 }, ArrayLayout.Auto, 5, false, "NHWC")]
    [InlineData(new[] { 3, 12, 10 }, ArrayLayout.Auto, 1, true, "one CHW sample")]
    [InlineData(new[] { 12, 10, 3 }, ArrayLayout.Auto, 1, false, "one HWC sample")]
    [InlineData(new[] { 5, 360 }, ArrayLayout.Auto, 5, true, "N·360 flat, C·H·W order")]
    [InlineData(new[] { 5, 360 }, ArrayLayout.Nchw, 5, true, "N·360 flat, C·H·W order")]
    [InlineData(new[] { 5, 360 }, ArrayLayout.Nhwc, 5, false, "N·360 flat, H·W·C order")]
    [InlineData(new[] { 360 }, ArrayLayout.Auto, 1, true, "one flat sample, C·H·W order")]
    [InlineData(new[] { 0, 3, 12, 10 }, ArrayLayout.Auto, 0, true, "NCHW")]
    public void A_three_channel_input_is_matched_in_every_accepted_layout(int[] shape, ArrayLayout layout, int count, bool channelsFirst, string name)
    {
        Assert.Equal(new ResolvedInput(count, channelsFirst, name), ResolvedInput.Resolve(shape, 12, 10, 3, layout));
    }

    [Theory]
    [InlineData(new[] { 4, 1, 28, 28 }, 4, "NCHW")]
    [InlineData(new[] { 4, 28, 28, 1 }, 4, "NHWC")]
    [InlineData(new[] { 4, 28, 28 }, 4, "NHW")]
    [InlineData(new[] { 1, 28, 28 }, 1, "one CHW sample")]
    [InlineData(new[] { 28, 28, 1 }, 1, "one HWC sample")]
    [InlineData(new[] { 28, 28 }, 1, "one HW sample")]
    [InlineData(new[] { 4, 784 }, 4, "N·784 flat")]
    [InlineData(new[] { 784 }, 1, "one flat sample")]
    public void A_one_channel_input_never_needs_a_transpose(int[] shape, int count, string name)
    {
        Assert.Equal(new ResolvedInput(count, false, name), ResolvedInput.Resolve(shape, 28, 28, 1));
    }

    [Fact]
    public void Where_nchw_and_nhwc_both_fit_nchw_wins_unless_the_layout_is_forced()
    {
        int[] shape = [2, 4, 4, 4];
        Assert.Equal("NCHW", ResolvedInput.Resolve(shape, 4, 4, 4).Name);
        Assert.Equal("NCHW", ResolvedInput.Resolve(shape, 4, 4, 4, ArrayLayout.Nchw).Name);
        Assert.Equal("NHWC", ResolvedInput.Resolve(shape, 4, 4, 4, ArrayLayout.Nhwc).Name);
    }

    [Fact]
    public void A_flat_input_of_a_1x1_model_is_taken_as_it_is()
    {
        Assert.Equal(new ResolvedInput(6, false, "N·3 flat"), ResolvedInput.Resolve([6, 3], 1, 1, 3));
    }

    [Fact]
    public void Channels_first_samples_are_transposed_to_hwc()
    {
        // Two samples of 2x3x2 (HxWxC), stored CHW: value = sample * 100 + c * 10 + y * 3 + x.
        const int h = 2, w = 3, c = 2;
        var chw = new float[2 * h * w * c];
        for (int s = 0; s < 2; s++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < h; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        chw[(s * 12) + (((ch * h) + y) * w) + x] = (s * 100) + (ch * 10) + (y * 3) + x;
                    }
                }
            }
        }

        var hwc = new float[12];
        ResolvedInput.Resolve([2, c, h, w], h, w, c).CopySample(chw, 1, h, w, c, hwc);
        Assert.Equal([100, 110, 101, 111, 102, 112, 103, 113, 104, 114, 105, 115], hwc);
    }

    [Theory]
    [InlineData(new[] { 5, 3, 10, 12 }, ArrayLayout.Auto)]
    [InlineData(new[] { 5, 361 }, ArrayLayout.Auto)]
    [InlineData(new[] { 5, 12, 10 }, ArrayLayout.Auto)]
    [InlineData(new int[0], ArrayLayout.Auto)]
    [InlineData(new[] { 5, 12, 10, 3 }, ArrayLayout.Nchw)]
    [InlineData(new[] { 5, 3, 12, 10 }, ArrayLayout.Nhwc)]
    public void Shapes_that_fit_no_layout_are_refused_naming_the_expected_shapes(int[] shape, ArrayLayout layout)
    {
        var e = Assert.Throws<ArgumentException>(() => ResolvedInput.Resolve(shape, 12, 10, 3, layout));
        Assert.StartsWith($"input shape {Npy.FormatShape(shape)} does not fit the model's 12x10x3 (HxWxC) input", e.Message);
        Assert.Contains("(N, 360) flat", e.Message);
        Assert.Contains("(360,)", e.Message);
    }
}
