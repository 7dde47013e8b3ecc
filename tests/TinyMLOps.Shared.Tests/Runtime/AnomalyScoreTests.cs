using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Shared.Tests.Runtime;

public sealed class AnomalyScoreTests
{
    [Fact]
    public void The_integer_error_sum_is_the_real_mean_squared_error()
    {
        Int8Model model = Identity(0.01f);
        var score = new AnomalyScore(model);
        var rng = new Random(3);
        for (int s = 0; s < 50; s++)
        {
            sbyte[] input = [.. Enumerable.Range(0, 3).Select(_ => (sbyte)rng.Next(-128, 128))];
            sbyte[] output = [.. Enumerable.Range(0, 3).Select(_ => (sbyte)rng.Next(-128, 128))];
            double reference = Enumerable.Range(0, 3).Select(i =>
            {
                double d = ((output[i] - model.Output.OutZeroPoint) * (double)model.Output.OutScale) - ((input[i] - model.InputZeroPoint) * (double)model.InputScale);
                return d * d;
            }).Average();

            double ours = score.MeanSquaredError(score.SquaredErrorSum(input, 0, output, 0));
            Assert.True(Math.Abs(ours - reference) <= 1e-5 * Math.Max(reference, 1e-3), $"{ours} against {reference}");
        }
    }

    [Fact]
    public void The_classifier_flags_inputs_it_cannot_reconstruct_with_confidence_growing_away_from_the_threshold()
    {
        var classifier = new Classifier(ModelWriter.Write(Identity(0.01f)));

        Assert.Equal(2, classifier.ClassCount);
        Assert.Equal(0, classifier.Classify([10, 60, 100], 0));
        int quiet = classifier.TopConfidence();
        Assert.True(classifier.AnomalyError < 0.001, classifier.AnomalyError.ToString());
        Assert.Equal(1, classifier.Classify([250, 250, 250], 0));
        Assert.True(classifier.AnomalyError > 0.1, classifier.AnomalyError.ToString());
        int loud = classifier.TopConfidence();
        Assert.Equal(1, classifier.Classify([170, 170, 170], 0));
        int near = classifier.TopConfidence();
        Assert.True(quiet > 60000 && loud > 60000 && near < loud && near > 32768, $"{quiet} {loud} {near}");
    }

    /// <summary>An identity layer over 3 inputs in 0..1 whose output saturates at 0.5.</summary>
    private static Int8Model Identity(float threshold)
    {
        var layer = new FullyConnected
        {
            OutH = 1,
            OutW = 1,
            OutC = 3,
            FusedActivation = Activation.None,
            OutScale = 0.5f / 255f,
            OutZeroPoint = -128,
            WeightScales = [1f / 127f, 1f / 127f, 1f / 127f],
            Bias = new int[3],
            Weights = [127, 0, 0, 0, 127, 0, 0, 0, 127],
        };
        var model = new Int8Model
        {
            ModelId = "identity",
            VariantId = "ae",
            InputH = 1,
            InputW = 1,
            InputC = 3,
            InputScale = 1f / 255f,
            InputZeroPoint = -128,
            Operators = [layer],
            OutputKind = OutputKind.Anomaly,
            AnomalyThreshold = threshold,
        };
        return ModelReader.Read(ModelWriter.Write(model));
    }
}
