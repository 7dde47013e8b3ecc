using System.Text.RegularExpressions;
using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Console.Data;

/// <summary>`data samples`: the user's rows as a board's sample file, replayed by the board's own sensor.</summary>
public sealed class DataSamplesCliTests : ConsoleTest
{
    [Fact]
    public void The_board_replays_the_wine_rows_through_its_front_end_and_gets_evals_accuracy()
    {
        string wine = Path.GetDirectoryName(OnnxTestSupport.FixturePath(Path.Combine("tabular", "wine", "train.csv")))!;
        string tmlm = Path.Combine(Dir.FullName, "wine.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", OnnxTestSupport.FixturePath(Path.Combine("tabular", "wine_mlp.onnx")), "-o", tmlm, "--calibration", wine, "--label-column", "cultivar"));
        string device = Path.Combine(Dir.FullName, "provisioned", "wine-01");

        Assert.Equal(0, Run("data", "samples", tmlm, "--data", wine, "--label-column", "cultivar", "--out", device));

        Assert.Contains("wrote 53 samples (float32 rows of 13 values, 2,756 bytes)", Flat());
        var storage = new DirectoryStorage(device);
        var sensor = new SampleFileSensor(storage, "samples.bin");
        byte[] labels = File.ReadAllBytes(Path.Combine(device, "labels.bin"));
        var classifier = new Classifier(File.ReadAllBytes(tmlm));
        var row = new float[13];
        int right = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            Assert.True(sensor.ReadValues(row));
            right += classifier.ClassifyValues(row, 0) == labels[i] ? 1 : 0;
        }

        // What `model eval` reports for this model (ModelDataCliTests): 52 of the 53 test wines.
        Assert.Equal(52, right);
    }

    [Fact]
    public void A_data_set_that_does_not_fit_the_model_gets_one_line()
    {
        string wine = Path.GetDirectoryName(OnnxTestSupport.FixturePath(Path.Combine("tabular", "wine", "train.csv")))!;
        string tmlm = Path.Combine(Dir.FullName, "wine.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", OnnxTestSupport.FixturePath(Path.Combine("tabular", "wine_mlp.onnx")), "-o", tmlm, "--calibration", wine, "--label-column", "cultivar"));
        Out.GetStringBuilder().Clear();

        Assert.Equal(1, Run("data", "samples", tmlm, "--data", Path.Combine(wine, "test.csv"), "--out", Path.Combine(Dir.FullName, "x")));

        Assert.Matches(@"^error: \S*test\.csv: 14 feature columns \(no column named 'label'\), the model takes 13; name the label column with --label-column$", Flat());
    }
}
