using TinyMLOps.Modelling.Preprocessing;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Shared.Tests.Preprocessing;

public sealed class ImageFrontEndTests
{
    public static TheoryData<int, int, int, int, int, int, int, bool> Shapes => new()
    {
        // frame h, w, c, crop h, w, out h, w, grey
        { 96, 96, 3, 96, 96, 28, 28, true },
        { 120, 160, 3, 120, 120, 32, 32, false },
        { 40, 52, 1, 36, 50, 96, 96, false },
        { 28, 28, 1, 28, 28, 28, 28, false },
        { 61, 77, 3, 13, 59, 17, 5, true },
    };

    private static byte[] Frame(int h, int w, int c, int seed)
    {
        var random = new Random(seed);
        var frame = new byte[h * w * c];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int k = 0; k < c; k++)
                {
                    // Smooth content with edges and noise, like a camera frame.
                    double v = 127 + (90 * Math.Sin((x + (7 * k)) / 6.0) * Math.Cos(y / 9.0)) + (x > w / 2 ? 30 : -30) + random.Next(-20, 21);
                    frame[(((y * w) + x) * c) + k] = (byte)Math.Clamp((int)Math.Round(v), 0, 255);
                }
            }
        }

        return frame;
    }

    private static ImageFrontEnd Make(int h, int w, int c, int ch, int cw, int oh, int ow, bool grey)
    {
        int outC = grey ? 1 : c;
        return new ImageFrontEnd(h, w, c, (h - ch) / 2, (w - cw) / 2, ch, cw, oh, ow, grey, [.. Enumerable.Repeat(0.5f, outC)], [.. Enumerable.Repeat(0.25f, outC)]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Resampled_levels_are_within_one_level_of_the_float_reference(int h, int w, int c, int ch, int cw, int oh, int ow, bool grey)
    {
        var fe = Make(h, w, c, ch, cw, oh, ow, grey);
        for (int seed = 0; seed < 5; seed++)
        {
            byte[] frame = Frame(h, w, c, seed);
            var levels = new byte[oh * ow * fe.OutC];
            fe.Resample(frame, 0, levels, 0);
            double[] expected = ImageReference.Levels(fe, frame);

            double worst = levels.Select((v, i) => Math.Abs(v - expected[i])).Max();

            // Q16 coordinates and weights, Q32 sums: the final rounding to 8 bits (half a level) and little else.
            Assert.True(worst <= 0.502, $"worst level error {worst:F4}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_int8_input_is_the_quantized_float_input_within_one_step(int h, int w, int c, int ch, int cw, int oh, int ow, bool grey)
    {
        var fe = Make(h, w, c, ch, cw, oh, ow, grey);
        byte[] frame = Frame(h, w, c, 11);
        const float scale = 4f / 255;
        const int zeroPoint = -3;
        var q = new sbyte[oh * ow * fe.OutC];
        fe.ProcessPixels(frame, 0, q, 0, scale, zeroPoint);
        float[] expected = ImageReference.Input(fe, frame);

        // One level is 1/255/std = 0.0157 in input units, under a step of 0.0157: at most one step apart.
        Assert.All(q.Select((v, i) => Math.Abs(v - QuantMath.Quantize(expected[i], scale, zeroPoint))), d => Assert.InRange(d, 0, 1));
    }

    [Fact]
    public void A_same_size_grey_front_end_leaves_the_pixels_as_they_are()
    {
        var fe = new ImageFrontEnd(28, 28, 1, 0, 0, 28, 28, 28, 28, false, [0f], [1f]);
        byte[] frame = Frame(28, 28, 1, 3);
        var levels = new byte[frame.Length];

        fe.Resample(frame, 0, levels, 0);

        Assert.Equal(frame, levels);
    }

    [Fact]
    public void A_classifier_runs_a_camera_frame_through_the_front_end()
    {
        // A one-layer model on 28x28 grey: the frame path must give what the model gives on the resampled pixels.
        var fe = new ImageFrontEnd(96, 96, 3, 0, 0, 96, 96, 28, 28, true, [0f], [1f]);
        Int8Model model = RandomModels.Classifier(5, 28, 28, 1);
        byte[] plain = ModelWriter.Write(model);
        model.FrontEnd = fe;
        byte[] withFrontEnd = ModelWriter.Write(model);
        var framed = new TinyMLOps.Shared.Runtime.Classifier(withFrontEnd);
        var direct = new TinyMLOps.Shared.Runtime.Classifier(plain);
        for (int seed = 0; seed < 8; seed++)
        {
            byte[] frame = Frame(96, 96, 3, seed);
            var levels = new byte[28 * 28];
            fe.Resample(frame, 0, levels, 0);

            Assert.Equal(framed.PixelLength, frame.Length);
            Assert.Equal(direct.Classify(levels, 0), framed.Classify(frame, 0));
            Assert.Equal(direct.Interpreter.GetOutput(0), framed.Interpreter.GetOutput(0));
        }

        Assert.Contains("does not take int16 samples", Assert.Throws<InvalidOperationException>(() => framed.ClassifySamples(new short[10], 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => framed.Classify(new byte[100], 0));
    }

    [Theory]
    [InlineData(0, 10, 1, 1, 1, 1, "frame")]
    [InlineData(10, 10, 2, 1, 1, 1, "frame")]
    [InlineData(10, 10, 1, 11, 1, 1, "outside")]
    [InlineData(10, 10, 1, 5, 0, 1, "output")]
    public void Impossible_parameters_give_one_format_error(int h, int w, int c, int cropH, int outH, int outW, string expected)
    {
        var error = Assert.Throws<ModelFormatException>(() => new ImageFrontEnd(h, w, c, 0, 0, cropH, Math.Max(1, w), outH, outW, false, [.. Enumerable.Repeat(0f, c)], [.. Enumerable.Repeat(1f, c)]));

        Assert.Contains(expected, error.Message);
    }
}
