using System.Globalization;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

/// <summary>
/// A fact for full training runs (about five minutes on 2 cores). They run by default, CI included, because they
/// check the accuracy targets; TINYMLOPS_FULL_TRAINING=0 skips them for a quick local loop.
/// </summary>
public sealed class FullTrainingFactAttribute : FactAttribute
{
    public const string Variable = "TINYMLOPS_FULL_TRAINING";

    public FullTrainingFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) == "0")
        {
            Skip = $"full training skipped ({Variable}=0)";
        }
    }
}

/// <summary>
/// Trains the two zoo architectures on the full training split with their recipes and reports float and
/// int8 test accuracy. Figures: dotnet test --filter FullyQualifiedName~FullTraining
/// --logger "console;verbosity=detailed".
/// </summary>
public class FullTrainingTests(ITestOutputHelper output)
{
    [FullTrainingFact]
    public void The_MLP_reaches_87_5_percent_float_and_stays_within_a_point_in_int8() =>
        Run(ModelZoo.Mlp(), ModelZoo.MlpTraining, floatTarget: 0.875, int8Target: 0.87);

    [FullTrainingFact]
    public void The_CNN_reaches_90_percent_float_and_stays_within_a_point_in_int8() =>
        Run(ModelZoo.Cnn(), ModelZoo.CnnTraining, floatTarget: 0.90, int8Target: 0.89);

    private void Run(FloatModel model, TrainingOptions options, double floatTarget, double int8Target)
    {
        var progress = new ListProgress<TrainingProgress>();
        TrainAndQuantizeResult r = TrainAndQuantize.Run(model, TestData.Fashion.Train, TestData.Fashion.HeldOut, TestData.Fashion.Test, options, progress: progress);
        foreach (EpochSummary e in r.Training.Epochs)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch,2}: loss {e.Loss:F4} train {e.Accuracy:P2} held-out {e.ValidationAccuracy:P2} lr {e.LearningRate:G3} at {e.Elapsed.TotalSeconds:F1} s"));
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{model.Name}: {r.Training.Epochs.Count} epochs in {r.Training.Elapsed.TotalSeconds:F1} s; float test {r.FloatTest}; int8 test {r.Int8Test}; drop {r.AccuracyDropPoints:F2} pts; model file {r.ModelFile.Length} bytes, {r.Int8Model.TotalMacs} MACs"));
        output.WriteLine(r.Int8Test.FormatConfusionMatrix());
        Assert.True(r.FloatTest.Accuracy >= floatTarget, $"float {r.FloatTest}");
        Assert.True(r.Int8Test.Accuracy >= int8Target, $"int8 {r.Int8Test}");
        Assert.True(r.AccuracyDropPoints <= 1.0, $"drop {r.AccuracyDropPoints:F2} points");

        // ONNX Runtime as the oracle on the fully trained model: same top-1 on at least 99.9 % of the test set.
        double agreement = TinyMLOps.Simulation.Benchmarks.LatencyBenchmark.Run(r.ModelFile, TestData.Fashion.Test, rounds: 1).TopOneAgreement;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top-1 agreement with ONNX Runtime: {agreement:P2}"));
        Assert.True(agreement >= 0.999, $"top-1 agreement with ONNX Runtime {agreement:P2}");
    }
}
