using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>
/// A user's own model and data through the console: the AD autoencoder from PyTorch imported with a .npy of normal
/// samples (an anomaly model with a calibrated threshold), evaluated, predicted, exported and benchmarked on .npy
/// files; the ResNet-8 classifier with its metadata labels evaluated on a .npy of samples and classes; KWS and VWW
/// through import, inspect, eval, predict, export-onnx and bench.
/// </summary>
public sealed class ModelReferenceCliTests : ConsoleTest
{
    [Fact]
    public void An_autoencoder_imports_as_an_anomaly_model_and_evaluates_on_labelled_npy_data()
    {
        var data = OnnxTestSupport.FashionMnistTest;
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", "ad_autoencoder.onnx"));
        int[] normal = [.. Enumerable.Range(0, 3000).Where(i => data.Label(i) is 5 or 7 or 9).Take(300)];
        string calibration = Write("normal.npy", normal.Select(i => Ad(data.GetInput(i))).ToArray());
        string tmlm = Path.Combine(Dir.FullName, "ad.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", calibration));
        Int8Model model = ModelReader.Read(File.ReadAllBytes(tmlm));
        Assert.Equal(OutputKind.Anomaly, model.OutputKind);
        Assert.Equal(InputLayout.Features, model.InputLayout);
        Assert.True(model.AnomalyThreshold > 0);

        int[] test = [.. Enumerable.Range(3000, 600)];
        string x = Write("x.npy", test.Select(i => Ad(data.GetInput(i))).ToArray());
        string y = Path.Combine(Dir.FullName, "y.npy");
        File.WriteAllBytes(y, Npy.WriteFloat32([.. test.Select(i => data.Label(i) is 5 or 7 or 9 ? 0f : 1f)], test.Length));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--input", x, "--labels", y));
        Assert.Matches(@"ROC AUC 0\.9\d+", Out.ToString());

        string reconstruction = Path.Combine(Dir.FullName, "r.npy");
        Assert.Equal(0, Run("model", "predict", tmlm, "--input", x, "--out", reconstruction));
        Assert.Equal([600, 640], Npy.Read(reconstruction).Shape);
        Assert.Equal(0, Run("model", "export-onnx", tmlm, "-o", Path.Combine(Dir.FullName, "ad-int8.onnx")));
        Assert.Equal(0, Run("bench", tmlm, "--input", x, "--images", "20", "--rounds", "2"));
    }

    [Fact]
    public void A_resnet_with_metadata_labels_evaluates_on_npy_samples_and_classes()
    {
        var data = OnnxTestSupport.FashionMnistTest;
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", "ic_resnet8.onnx"));
        string calibration = Write("cal.npy", Enumerable.Range(0, 100).Select(i => Ic(data.GetInput(i))).ToArray());
        string tmlm = Path.Combine(Dir.FullName, "ic.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", calibration));
        Int8Model model = ModelReader.Read(File.ReadAllBytes(tmlm));
        Assert.Equal(OutputKind.Classes, model.OutputKind);
        Assert.Equal(10, model.Labels.Length);
        Assert.Equal(InputLayout.Nchw, model.InputLayout);

        string x = Write("x.npy", Enumerable.Range(100, 200).Select(i => Ic(data.GetInput(i))).ToArray());
        string y = Path.Combine(Dir.FullName, "y.npy");
        File.WriteAllBytes(y, Npy.WriteFloat32([.. Enumerable.Range(100, 200).Select(i => (float)data.Label(i))], 200));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--input", x, "--labels", y));
        var match = System.Text.RegularExpressions.Regex.Match(Out.ToString(), @"accuracy (\d+\.\d+) %");
        Assert.True(match.Success, Out.ToString());
        Assert.True(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 75, Out.ToString());

        // A label outside the model's classes is one line, not a stack trace.
        File.WriteAllBytes(y, Npy.WriteFloat32([.. Enumerable.Repeat(12f, 200)], 200));
        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("model", "eval", tmlm, "--input", x, "--labels", y));
        Assert.StartsWith("error:", Out.ToString().Trim());
        Assert.DoesNotContain("   at ", Out.ToString());
    }

    [Theory]
    [InlineData("kws_dscnn.onnx", 1, 49, 10)]
    [InlineData("vww_mobilenetv1_025.onnx", 3, 96, 96)]
    public void A_reference_model_goes_through_every_model_verb_on_npy_files(string file, int c, int h, int w)
    {
        var data = OnnxTestSupport.FashionMnistTest;
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", file));
        float[] Sample(int i) => ToChw(ReferenceModelTests.Transform(file, data.GetInput(i)), c, h, w);
        string calibration = WriteShaped("cal.npy", [.. Enumerable.Range(0, 100).Select(Sample)], [100, c, h, w]);
        string tmlm = Path.Combine(Dir.FullName, "m.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", calibration));
        Assert.Equal(InputLayout.Nchw, ModelReader.Read(File.ReadAllBytes(tmlm)).InputLayout);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "inspect", tmlm));
        Assert.Contains("lower bound", Out.ToString());

        string x = WriteShaped("x.npy", [.. Enumerable.Range(100, 100).Select(Sample)], [100, c, h, w]);
        string y = Path.Combine(Dir.FullName, "y.npy");
        // VWW's two classes: 0 no garment (sandal, sneaker, bag, boot), 1 garment (the fixture's README).
        float Label(int i) => c == 3 ? (data.Label(i) is 5 or 7 or 8 or 9 ? 0f : 1f) : data.Label(i);
        File.WriteAllBytes(y, Npy.WriteFloat32([.. Enumerable.Range(100, 100).Select(Label)], 100));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--input", x, "--labels", y));
        var accuracy = System.Text.RegularExpressions.Regex.Match(Out.ToString(), @"accuracy (\d+\.\d+) %");
        Assert.True(accuracy.Success && double.Parse(accuracy.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 75, Out.ToString());

        string predicted = Path.Combine(Dir.FullName, "p.npy");
        Assert.Equal(0, Run("model", "predict", tmlm, "--input", x, "--out", predicted));
        Assert.Equal(100, Npy.Read(predicted).Shape[0]);
        Assert.Equal(0, Run("model", "export-onnx", tmlm, "-o", Path.Combine(Dir.FullName, "int8.onnx")));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("bench", tmlm, "--input", x, "--images", "10", "--rounds", "1"));
        Assert.Contains("ONNX Runtime", Out.ToString());
    }

    /// <summary>An HWC sample in the NCHW order a PyTorch user saves.</summary>
    private static float[] ToChw(float[] hwc, int c, int h, int w)
    {
        var chw = new float[hwc.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int k = 0; k < c; k++)
                {
                    chw[(k * h * w) + (y * w) + x] = hwc[(((y * w) + x) * c) + k];
                }
            }
        }

        return chw;
    }

    private string WriteShaped(string name, float[][] samples, int[] shape)
    {
        string path = Path.Combine(Dir.FullName, name);
        File.WriteAllBytes(path, Npy.WriteFloat32([.. samples.SelectMany(s => s)], shape));
        return path;
    }

    private static float[] Ad(float[] p) => ReferenceModelTests.Transform("ad_autoencoder.onnx", p);

    /// <summary>The IC fixture's transform, in NCHW as a PyTorch user saves it: the image padded to 32x32, three channels.</summary>
    private static float[] Ic(float[] p)
    {
        var chw = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 2; y < 30; y++)
            {
                for (int x = 2; x < 30; x++)
                {
                    chw[(c * 1024) + (y * 32) + x] = p[((y - 2) * 28) + (x - 2)];
                }
            }
        }

        return chw;
    }

    private string Write(string name, float[][] samples)
    {
        string path = Path.Combine(Dir.FullName, name);
        int size = samples[0].Length;
        int[] shape = size == 3 * 32 * 32 ? [samples.Length, 3, 32, 32] : [samples.Length, size];
        File.WriteAllBytes(path, Npy.WriteFloat32([.. samples.SelectMany(s => s)], shape));
        return path;
    }
}
