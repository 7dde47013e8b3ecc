using System.Text.Json;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Host.Tests.Modelling.Preprocessing;

/// <summary>The image front-end against PyTorch's bilinear resize (Fixtures/image-front-end/make_fixture.py).</summary>
public sealed class ImageReferenceTests
{
    private sealed record Fixture(ImageFrontEnd FrontEnd, byte[] Frame, double[] Rgb, double[] Grey);

    private static Fixture Load(bool grey)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(OnnxTestSupport.FixturePath("image-front-end/bilinear_reference.json")));
        var root = json.RootElement;
        var frame = root.GetProperty("frame");
        var crop = root.GetProperty("crop");
        var output = root.GetProperty("output");
        int c = grey ? 1 : 3;
        var fe = new ImageFrontEnd(
            frame.GetProperty("height").GetInt32(), frame.GetProperty("width").GetInt32(), frame.GetProperty("channels").GetInt32(),
            crop.GetProperty("y").GetInt32(), crop.GetProperty("x").GetInt32(), crop.GetProperty("h").GetInt32(), crop.GetProperty("w").GetInt32(),
            output.GetProperty("height").GetInt32(), output.GetProperty("width").GetInt32(), grey, [.. Enumerable.Repeat(0f, c)], [.. Enumerable.Repeat(1f, c)]);
        byte[] pixels = [.. frame.GetProperty("pixels").EnumerateArray().Select(p => (byte)p.GetInt32())];
        return new Fixture(fe, pixels, [.. root.GetProperty("rgb").EnumerateArray().Select(v => v.GetDouble())], [.. root.GetProperty("grey").EnumerateArray().Select(v => v.GetDouble())]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_float_reference_is_pytorchs_bilinear_resize(bool grey)
    {
        var f = Load(grey);
        double[] expected = grey ? f.Grey : f.Rgb;

        double[] levels = ImageReference.Levels(f.FrontEnd, f.Frame);

        Assert.Equal(expected.Length, levels.Length);
        Assert.All(levels.Select((v, i) => Math.Abs(v - expected[i])), d => Assert.True(d < 2e-3, $"off by {d}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_fixed_point_levels_round_pytorchs_values(bool grey)
    {
        var f = Load(grey);
        double[] expected = grey ? f.Grey : f.Rgb;
        var levels = new byte[expected.Length];

        f.FrontEnd.Resample(f.Frame, 0, levels, 0);

        Assert.All(levels.Select((v, i) => Math.Abs(v - expected[i])), d => Assert.True(d <= 0.502, $"off by {d}"));
    }
}
