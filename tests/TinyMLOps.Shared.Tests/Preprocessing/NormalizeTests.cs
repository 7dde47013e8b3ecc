using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Preprocessing;

public sealed class NormalizeTests
{
    [Fact]
    public void Columns_that_differ_by_orders_of_magnitude_each_use_the_int8_range()
    {
        // A table row: a ratio around 0.1 and a pressure around 1,000, scaled per column into roughly [-1, 1].
        var front = new Normalize(1, 1, 2, [0.1f, 1000f], [0.05f, 500f]);
        var output = new sbyte[2];

        front.ProcessValues([0.15f, 1500f], 0, output, 0, inputScale: 1f / 127, inputZeroPoint: 0);
        Assert.Equal(new sbyte[] { 127, 127 }, output);

        front.ProcessValues([0.05f, 500f], 0, output, 0, 1f / 127, 0);
        Assert.Equal(new sbyte[] { -127, -127 }, output);

        // A missing value (NaN) sits at its column's offset: the middle.
        front.ProcessValues([float.NaN, 1000f], 0, output, 0, 1f / 127, 0);
        Assert.Equal(new sbyte[] { 0, 0 }, output);
    }

    [Fact]
    public void Per_element_scaling_takes_one_offset_and_scale_per_element()
    {
        var front = new Normalize(1, 2, 2, [0, 1, 2, 3], [1, 1, 1, 1]);
        var output = new sbyte[4];

        front.ProcessValues([1, 2, 3, 4], 0, output, 0, 0.5f, -10);

        Assert.Equal(new sbyte[] { -8, -8, -8, -8 }, output);
        Assert.Equal(1f, front.Apply(4, 3));
    }

    [Fact]
    public void A_model_carries_its_front_end_through_the_file()
    {
        Int8Model model = RandomModels.Mlp(5);
        model.FrontEnd = new Normalize(model.InputH, model.InputW, model.InputC, Enumerable.Range(0, model.InputC).Select(i => (float)i).ToArray(), Enumerable.Range(0, model.InputC).Select(i => 1f + i).ToArray());
        byte[] bytes = ModelWriter.Write(model);

        Int8Model read = ModelReader.Read(bytes);

        var front = Assert.IsType<Normalize>(read.FrontEnd);
        Assert.Equal(((Normalize)model.FrontEnd).Offset, front.Offset);
        Assert.Equal(((Normalize)model.FrontEnd).Scale, front.Scale);
        Assert.Equal(ModelFormat.FlagFrontEnd, BitConverter.ToUInt16(bytes, 6) & ModelFormat.FlagFrontEnd);
        Assert.Equal(bytes, ModelWriter.Write(read));
    }

    [Fact]
    public void A_front_end_whose_output_is_not_the_models_input_is_refused()
    {
        Int8Model model = RandomModels.Mlp(5);
        model.FrontEnd = new Normalize(1, 1, model.InputC + 1, new float[model.InputC + 1], Enumerable.Repeat(1f, model.InputC + 1).ToArray());

        var e = Assert.Throws<ModelFormatException>(() => ModelWriter.Write(model));

        Assert.Contains("the normalize front-end produces 1x1x" + (model.InputC + 1), e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 9 }, "unknown front-end kind 9")]
    [InlineData(new byte[] { 1, 1, 0 }, "truncated")]
    [InlineData(new byte[] { 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "normalize front-end: feature 0 needs a finite offset and a finite positive scale")]
    public void A_bad_front_end_section_is_refused_with_its_reason(byte[] section, string reason)
    {
        var e = Assert.Throws<ModelFormatException>(() => FrontEndCodec.Decode(section, 0, section.Length));

        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Bad_parameters_are_refused()
    {
        Assert.Throws<ModelFormatException>(() => new Normalize(1, 1, 2, [0f], [1f]));
        Assert.Throws<ModelFormatException>(() => new Normalize(1, 1, 1, [0f], [0f]));
        Assert.Throws<ModelFormatException>(() => new Normalize(1, 1, 1, [float.PositiveInfinity], [1f]));
        Assert.Throws<ModelFormatException>(() => new Normalize(0, 1, 1, [0f], [1f]));
    }
}
