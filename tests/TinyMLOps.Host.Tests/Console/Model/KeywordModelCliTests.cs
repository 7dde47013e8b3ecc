using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Simulation.Signals;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>
/// The keyword DS-CNN (Fixtures/keywords, trained on float MFCC) imported as a user's model with WAV clips as
/// calibration, evaluated on held-out speakers through the device's fixed-point MFCC, against the float model on
/// float features. CI installs espeak-ng and sox.
/// </summary>
public sealed class KeywordModelCliTests(ITestOutputHelper output) : ConsoleTest
{
    // Seed 1 holds out the same speakers as the corpus the model was trained on (docs/tasks.md, "Keywords").
    private const int Seed = 1;

    [Fact]
    public void The_int8_keyword_model_on_fixed_point_mfcc_is_within_a_point_of_the_float_model_on_float_mfcc()
    {
        string corpus = Path.Combine(Dir.FullName, "kws");
        KeywordCorpus.Generate(corpus, new KeywordCorpusPlan(Seed, 10, 20));
        string onnx = OnnxTestSupport.FixturePath(Path.Combine("keywords", "kws_mfcc_dscnn.onnx"));

        // Float: ONNX Runtime on the float reference MFCC of the test clips.
        string x = Path.Combine(Dir.FullName, "test.npy");
        Assert.Equal(0, Run("data", "features", "--data", corpus, "--part", "test", "--out", x));
        NpyArray features = Npy.Read(x), labels = Npy.Read(Path.Combine(Dir.FullName, "test_y.npy"));
        Assert.Equal([240, 1, 49, 10], features.Shape);
        using InferenceSession session = OnnxTestSupport.Session(OnnxTestSupport.Fixture(Path.Combine("keywords", "kws_mfcc_dscnn.onnx")));
        float[] logits = OnnxTestSupport.Run<float, float>(session, features.Values, [240, 1, 49, 10], session.OutputNames[0])[0];
        int correct = Enumerable.Range(0, 240).Count(i => OnnxTestSupport.ArgMax<float>(logits.AsSpan(i * 12, 12)) == (int)labels.Values[i]);
        double floatAccuracy = 100.0 * correct / 240;

        // Int8: imported with the train clips as calibration (the mfcc front-end chosen for WAV and a 49x10 input), evaluated on the raw test clips.
        string tmlm = Path.Combine(Dir.FullName, "kws.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", onnx, "-o", tmlm, "--calibration", Path.Combine(corpus, "train")));
        Assert.Contains("calibrating on the fixed-point MFCC of 120 clips", Flat());
        byte[] bytes = File.ReadAllBytes(tmlm);
        Int8Model model = ModelReader.Read(bytes);
        var mfcc = Assert.IsType<Mfcc>(model.FrontEnd);
        Assert.Equal("mfcc: 16000 Hz, 49 frames of 640 samples every 320, FFT 1024, 40 mel bands 20-4000 Hz, 10 coefficients", mfcc.Describe());
        Assert.Equal(bytes, ModelWriter.Write(model));

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", corpus));
        Assert.Contains("loaded 240 samples of 1x16000x1", Flat());
        double int8Accuracy = Accuracy();
        output.WriteLine($"held-out speakers, 240 clips: float on float MFCC {floatAccuracy:F2} %, int8 on fixed-point MFCC {int8Accuracy:F2} %");
        Assert.True(floatAccuracy > 85, $"float {floatAccuracy:F2} %");
        Assert.True(int8Accuracy >= floatAccuracy - 1, $"int8 {int8Accuracy:F2} % against float {floatAccuracy:F2} %");

        // The device's own features, precomputed: eval skips the front-end and must give the very same figure.
        string fixedX = Path.Combine(Dir.FullName, "fixed.npy");
        Assert.Equal(0, Run("data", "features", "--data", corpus, "--part", "test", "--fixed-point", "--out", fixedX));
        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("model", "eval", tmlm, "--data", fixedX));
        Assert.Contains("precomputed features of 49x10x1: the mfcc front-end is skipped", Flat());
        Assert.Equal(int8Accuracy, Accuracy());
    }
}
