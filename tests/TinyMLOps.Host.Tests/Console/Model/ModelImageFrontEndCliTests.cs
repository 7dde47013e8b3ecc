using System.Globalization;
using System.Text.RegularExpressions;
using TinyMLOps.Host.Tests.Modelling.Data;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>
/// `--front-end image`: a PyTorch ResNet trained on 32x32 images imported for a camera that delivers 48x64 RGB
/// frames; the board crops the centred square and resizes it, and evaluation runs the same path.
/// </summary>
public sealed class ModelImageFrontEndCliTests : ConsoleTest
{
    [Fact]
    public void A_model_imported_for_larger_camera_frames_carries_the_image_front_end_and_keeps_its_accuracy()
    {
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", "ic_resnet8.onnx"));
        string calibration = WriteFrames("cal", 0, 100);
        string test = WriteFrames("test", 100, 200);
        string tmlm = Path.Combine(Dir.FullName, "ic.tmlm");

        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", calibration, "--front-end", "image", "--image", "frame=48x64x3"));

        Assert.Contains("loaded 100 samples of 48x64x3", Flat());
        Assert.Contains("front-end image: 48x64x3 frame, crop 48x48 at 0,8, bilinear to 32x32", Flat());
        Int8Model model = ModelReader.Read(File.ReadAllBytes(tmlm));
        var image = Assert.IsType<ImageFrontEnd>(model.FrontEnd);
        Assert.Equal(48 * 64 * 3, image.RawPixels);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", test));
        Assert.Contains("loaded 200 samples of 48x64x3", Flat());
        // The same model on the 32x32 images themselves gets more than 75 % (ModelDataCliTests); a 1.5x upscale and back costs little.
        Assert.True(Accuracy() > 70, Out.ToString());

        // The board classifies the raw frame bytes; eval's host path must agree with it on every frame.
        var classifier = new Classifier(File.ReadAllBytes(tmlm));
        DataSet frames = DataSetLoader.Read(test, new DataSetOptions(48, 64, 3));
        var interpreter = new Interpreter(model);
        for (int i = 0; i < frames.Count; i++)
        {
            byte[] bytes = [.. frames.Samples[i].Select(v => (byte)Math.Round(v * 255))];
            interpreter.SetInputFromFloats(FeatureScaling.Apply(image, frames.Samples[i]), 0);
            interpreter.Invoke();
            Assert.Equal(interpreter.ArgMax(), classifier.Classify(bytes, 0));
        }
    }

    [Theory]
    [InlineData("crop=0:0:10:10", "frame=HxWxC is required")]
    [InlineData("frame=48x64", "'frame=48x64' needs 3 whole numbers separated by 'x'")]
    [InlineData("frame=48x64x3,grey", "--image gives 1 channel(s) (grey); the model takes 3")]
    [InlineData("frame=48x64x3,crop=0:40:48:48", "--image: image front-end: crop 48x48 at 0,40 is outside the 48x64 frame")]
    [InlineData("frame=48x64x3,zoom=2", "'zoom=2' is not one of frame=HxWxC")]
    public void A_bad_image_spec_gets_one_line(string spec, string expected)
    {
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", "ic_resnet8.onnx"));
        string calibration = WriteFrames("cal", 0, 4);

        Assert.Equal(1, Run("model", "import-onnx", onnx, "-o", Path.Combine(Dir.FullName, "x.tmlm"), "--calibration", calibration, "--front-end", "image", "--image", spec));

        // One error line after the import's own line, and no stack trace.
        string[] lines = Out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string error = Assert.Single(lines, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(expected, Regex.Replace(string.Join(" ", lines.SkipWhile(l => l != error)), @"\s+", " "));
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
    }

    /// <summary>Fashion images, padded to 32x32 as the ResNet fixture was trained, scaled 1.5x into the middle of a 48x64 frame with grey bars.</summary>
    private string WriteFrames(string folder, int start, int count)
    {
        var data = OnnxTestSupport.FashionMnistTest;
        string root = Path.Combine(Dir.FullName, folder);
        for (int i = start; i < start + count; i++)
        {
            byte[] pixels = data.Image(i).ToArray();
            byte[] png = DataFiles.Png(64, 48, false, (x, y) =>
            {
                if (x < 8 || x >= 56)
                {
                    return (90, 90, 90);
                }

                int sx = (x - 8) * 32 / 48, sy = y * 32 / 48;
                byte v = sx is >= 2 and < 30 && sy is >= 2 and < 30 ? pixels[((sy - 2) * 28) + (sx - 2)] : (byte)0;
                return (v, v, v);
            });
            string dir = Path.Combine(root, $"c{data.Label(i)}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, $"{i:D5}.png"), png);
        }

        return root;
    }
}
