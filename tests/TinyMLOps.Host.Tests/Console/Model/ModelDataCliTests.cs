using System.Globalization;
using System.Text.RegularExpressions;
using TinyMLOps.Host.Tests.Modelling.Data;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>
/// The user's own files through the console: a PyTorch ResNet calibrated on a folder of PNGs and evaluated on another
/// (with a corrupt file skipped), and the Wine table from CSV with per-feature scaling, and without it.
/// </summary>
public sealed class ModelDataCliTests : ConsoleTest
{
    private static string WineFolder => Path.GetDirectoryName(OnnxTestSupport.FixturePath(Path.Combine("tabular", "wine", "train.csv")))!;

    private static string WineOnnx => OnnxTestSupport.FixturePath(Path.Combine("tabular", "wine_mlp.onnx"));

    [Fact]
    public void A_resnet_imports_with_a_png_folder_as_calibration_and_evaluates_on_a_png_class_folder()
    {
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", "ic_resnet8.onnx"));
        string calibration = WritePngs("cal", 0, 100);
        string test = WritePngs("test", 100, 200);
        File.WriteAllText(Path.Combine(test, "c3", "zz-broken.png"), "not a png");
        string tmlm = Path.Combine(Dir.FullName, "ic.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", calibration));
        Assert.Contains("loaded 100 samples of 32x32x3", Flat());
        Assert.Contains("calibrating on 100 samples", Flat());
        Assert.Null(ModelReader.Read(File.ReadAllBytes(tmlm)).FrontEnd);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", test));
        Assert.Contains("loaded 200 samples of 32x32x3, 10 classes (c0, c1, c2, c3, c4, c5, ...)", Flat());
        Assert.Contains("skipped 1 files", Flat());
        Assert.Matches(@"skipped \S*zz-broken\.png: not an image SkiaSharp can decode", Flat());
        Assert.True(Accuracy() > 75, Out.ToString());

        string predicted = Path.Combine(Dir.FullName, "p.npy");
        Assert.Equal(0, Run("model", "predict", tmlm, "--data", test, "--out", predicted));
        Assert.Equal([200, 10], Npy.Read(predicted).Shape);
    }

    [Fact]
    public void The_exported_wine_model_takes_raw_rows_through_its_front_end_and_gives_the_interpreters_outputs()
    {
        string tmlm = Path.Combine(Dir.FullName, "wine.tmlm");
        string onnx = Path.Combine(Dir.FullName, "wine-int8.onnx");
        Assert.Equal(0, Run("model", "import-onnx", WineOnnx, "-o", tmlm, "--calibration", WineFolder, "--label-column", "cultivar"));
        Assert.Equal(0, Run("model", "export-onnx", tmlm, "-o", onnx));

        // Raw rows of the test table, one value missing (NaN), as the device's front-end takes them.
        float[][] rows = [.. File.ReadAllLines(Path.Combine(WineFolder, "test.csv")).Skip(1)
            .Select(l => l.Split(',')[..13].Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray())];
        rows[3][10] = float.NaN;
        var classifier = new TinyMLOps.Shared.Runtime.Classifier(File.ReadAllBytes(tmlm));
        Int8Model model = ModelReader.Read(File.ReadAllBytes(tmlm));
        var ours = new List<float>();
        foreach (float[] row in rows)
        {
            classifier.ClassifyValues(row, 0);
            ours.AddRange(Enumerable.Range(0, 3).Select(k => (classifier.Score(k) - model.Output.OutZeroPoint) * model.Output.OutScale));
        }

        using var session = OnnxTestSupport.Session(File.ReadAllBytes(onnx));
        float[] theirs = OnnxTestSupport.Run<float, float>(session, [.. rows.SelectMany(r => r)], [rows.Length, 13], "output")[0];

        Assert.Equal(ours.Count, theirs.Length);
        Assert.Equal(0, ours.Zip(theirs).Count(p => p.First != p.Second));
    }

    [Fact]
    public void The_wine_table_imports_from_csv_with_a_per_feature_front_end_and_keeps_its_float_accuracy()
    {
        string tmlm = Path.Combine(Dir.FullName, "wine.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", WineOnnx, "-o", tmlm, "--calibration", WineFolder, "--label-column", "cultivar"));
        Assert.Contains("loaded 125 samples of 1x1x13, 3 classes (class_0, class_1, class_2)", Flat());
        Assert.Contains("split: explicit split: train.csv and test.csv; train 125, test 53 samples", Flat());
        Assert.Contains("per-feature scaling", Flat());
        Assert.Contains("front-end normalize: 13 channels, (x - offset) / scale", Flat());
        Int8Model model = ModelReader.Read(File.ReadAllBytes(tmlm));
        Normalize front = Assert.IsType<Normalize>(model.FrontEnd);
        Assert.Equal(13, front.Offset.Length);

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", WineFolder, "--label-column", "cultivar"));
        Assert.Contains("loaded 53 samples", Flat());
        // The float model (make_wine.py) gets 52 of the 53 test wines right.
        double scaled = Accuracy();
        Assert.True(scaled >= 96, Out.ToString());

        // One input scale for hue (0.5-1.7) and proline (278-1680): the small columns fall to a step or two.
        string plain = Path.Combine(Dir.FullName, "wine-plain.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", WineOnnx, "-o", plain, "--calibration", WineFolder, "--label-column", "cultivar", "--normalize", "none"));
        Assert.Null(ModelReader.Read(File.ReadAllBytes(plain)).FrontEnd);
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", plain, "--data", WineFolder, "--label-column", "cultivar"));
        Assert.True(Accuracy() < scaled, Out.ToString());

        // Percentile clipping and bias correction recover part of it; textbook min/max shows the full loss.
        Assert.Equal(0, Run("model", "import-onnx", WineOnnx, "-o", plain, "--calibration", WineFolder, "--label-column", "cultivar", "--normalize", "none", "--calibration-method", "minmax", "--no-bias-correction"));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", plain, "--data", WineFolder, "--label-column", "cultivar"));
        Assert.True(Accuracy() < scaled - 15, Out.ToString());

        // predict scales the raw rows through the front-end, as the device does.
        string predicted = Path.Combine(Dir.FullName, "p.npy");
        Assert.Equal(0, Run("model", "predict", tmlm, "--data", Path.Combine(WineFolder, "test.csv"), "--label-column", "cultivar", "--out", predicted));
        Assert.Equal([53, 3], Npy.Read(predicted).Shape);
    }

    [Fact]
    public void A_seeded_holdout_is_printed_and_eval_reads_the_held_out_part()
    {
        string tmlm = Path.Combine(Dir.FullName, "wine.tmlm");
        string train = Path.Combine(WineFolder, "train.csv");
        Assert.Equal(0, Run("model", "import-onnx", WineOnnx, "-o", tmlm, "--calibration", train, "--label-column", "cultivar", "--holdout", "0.2", "--split-seed", "5"));
        Assert.Contains("split: seeded split: seed 5, 20 % held out; train 100, test 25 samples", Flat());
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", train, "--label-column", "cultivar", "--holdout", "0.2", "--split-seed", "5"));
        Assert.Contains("loaded 25 samples", Flat());
        Assert.Contains("held-out part of a seeded split (seed 5, 20 % held out per class)", Flat());
    }

    [Fact]
    public void Csv_without_the_label_column_gets_one_line_and_exit_code_1()
    {
        string tmlm = Path.Combine(Dir.FullName, "wine.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", WineOnnx, "-o", tmlm, "--calibration", WineFolder, "--label-column", "cultivar"));
        string test = Path.Combine(WineFolder, "test.csv");
        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("model", "eval", tmlm, "--data", test, "--label-column", "variety"));
        Assert.Matches(@"^error: \S*test\.csv: no column named 'variety' \(columns: alcohol, .*, cultivar\); name the label column with --label-column$", Flat());

        // Without --label-column, 'cultivar' is a fourteenth feature: the count names the way out.
        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("model", "eval", tmlm, "--data", test));
        Assert.Matches(@"^error: \S*test\.csv: 14 feature columns \(no column named 'label'\), the model takes 13; name the label column with --label-column$", Flat());
    }

    [Fact]
    public void A_conv1d_model_imports_and_evaluates_on_folders_of_csv_sensor_windows()
    {
        // The fixture reads an image as 28 channels (rows) over 28 time steps (columns): one CSV row per time step.
        var data = OnnxTestSupport.FashionMnistTest;
        string Windows(string folder, int start, int count)
        {
            string root = Path.Combine(Dir.FullName, folder);
            for (int i = start; i < start + count; i++)
            {
                float[] p = data.GetInput(i);
                var lines = Enumerable.Range(0, 28).Select(t => string.Join(',', Enumerable.Range(0, 28).Select(ch => p[(ch * 28) + t].ToString("R", CultureInfo.InvariantCulture))));
                string dir = Path.Combine(root, $"c{data.Label(i)}");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, $"{i:D5}.csv"), string.Join('\n', new[] { "r" + string.Join(",r", Enumerable.Range(0, 28)) }.Concat(lines)) + "\n");
            }

            return root;
        }

        string onnx = OnnxTestSupport.FixturePath(Path.Combine("reference", "ops_conv1d.onnx"));
        string calibration = Windows("cal", 0, 100), test = Windows("test", 100, 150);
        File.WriteAllText(Path.Combine(test, "c0", "zz-narrow.csv"), "a,b\n1,2\n");
        string tmlm = Path.Combine(Dir.FullName, "c1d.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", calibration));
        Assert.Contains("loaded 100 samples of 1x28x28", Flat());
        Assert.Contains("sensor windows (one CSV per window)", Flat());
        Assert.Contains("no per-feature scaling: its first layer is not a dense", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", test));
        Assert.Matches(@"skipped \S*zz-narrow\.csv: 2 columns, the model takes 28 channels", Flat());
        Assert.True(Accuracy() > 70, Out.ToString());
    }

    /// <summary>Fashion-MNIST test images start..start+count as the IC fixture takes them (padded to 32x32), gray PNGs in class folders c0..c9.</summary>
    private string WritePngs(string folder, int start, int count)
    {
        var data = OnnxTestSupport.FashionMnistTest;
        string root = Path.Combine(Dir.FullName, folder);
        for (int i = start; i < start + count; i++)
        {
            ReadOnlySpan<byte> image = data.Image(i);
            byte[] pixels = image.ToArray();
            byte[] png = DataFiles.Png(32, 32, false, (x, y) =>
            {
                byte v = x is >= 2 and < 30 && y is >= 2 and < 30 ? pixels[((y - 2) * 28) + (x - 2)] : (byte)0;
                return (v, v, v);
            });
            string dir = Path.Combine(root, $"c{data.Label(i)}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, $"{i:D5}.png"), png);
        }

        return root;
    }
}
