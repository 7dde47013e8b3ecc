using System.Globalization;
using TinyMLOps.Fleet.Federated;
using TinyMLOps.Host.Tests.Modelling.Quantization;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Host.Tests.Fleet.Federated;

public sealed class ReleaseGateTests
{
    private static ImageDataset HeldOut => TestData.Fashion.Test.Take(2000);

    [Fact]
    public void Passes_an_identical_candidate()
    {
        GateVerdict verdict = ReleaseGate.Evaluate(HeadTestModels.Base(), HeadTestModels.Base(), HeldOut, new GateOptions());

        Assert.True(verdict.Pass);
        Assert.Empty(verdict.Reasons);
        Assert.Equal(verdict.CurrentAccuracy, verdict.CandidateAccuracy);
        Assert.InRange(verdict.CurrentAccuracy, 0.7, 1.0);
        Assert.Equal(FashionMnist.ClassNames, verdict.Labels);
        Assert.Equal(verdict.CurrentPerClass, verdict.CandidatePerClass);
        Assert.Equal(10, verdict.CurrentPerClass.Count);
    }

    [Fact]
    public void Rejects_a_candidate_whose_one_class_was_sabotaged_and_names_that_class()
    {
        Int8Model current = HeadTestModels.Base();
        Int8Model candidate = Sabotage(HeadTestModels.Base(), 3);

        GateVerdict verdict = ReleaseGate.Evaluate(current, candidate, HeldOut, new GateOptions());

        Assert.False(verdict.Pass);
        Assert.Equal(0, verdict.CandidatePerClass[3]);
        double drop = (verdict.CurrentPerClass[3] - verdict.CandidatePerClass[3]) * 100;
        string expected = string.Create(CultureInfo.InvariantCulture, $"class 'Dress' drops {drop:F2} points (limit 2.00)");
        Assert.Contains(expected, verdict.Reasons);
        Assert.Single(verdict.Reasons, r => r.StartsWith("class ", StringComparison.Ordinal));

        // With the overall limit relaxed, the class is the only reason left.
        GateVerdict classOnly = ReleaseGate.Evaluate(current, candidate, HeldOut, new GateOptions { MinGainPoints = -50 });
        Assert.False(classOnly.Pass);
        Assert.Equal([expected], classOnly.Reasons);
    }

    [Fact]
    public void Rejects_a_worse_overall_candidate_giving_both_accuracies()
    {
        Int8Model current = HeadTestModels.Base();
        TrainableHead head = TrainableHead.Find(current, 1);
        float[][] noisy = head.NewTensors();
        head.Dequantize(current, noisy);
        float spread = noisy[0].Max(Math.Abs);
        var rng = new Random(5);
        for (int i = 0; i < noisy[0].Length; i++)
        {
            noisy[0][i] += spread * (float)(rng.NextDouble() - 0.5);
        }

        Int8Model candidate = HeadQuantizer.Requantize(current, head, noisy, TestData.Fashion.HeldOut, "noisy", 500).Model;

        GateVerdict verdict = ReleaseGate.Evaluate(current, candidate, HeldOut, new GateOptions { MaxClassDropPoints = 100 });

        Assert.False(verdict.Pass);
        Assert.True(verdict.CandidateAccuracy < verdict.CurrentAccuracy);
        string expected = string.Create(CultureInfo.InvariantCulture, $"overall {verdict.CandidateAccuracy * 100:F2}% is below the current {verdict.CurrentAccuracy * 100:F2}%");
        Assert.Equal([expected], verdict.Reasons);
    }

    [Fact]
    public void Requires_the_minimum_gain_when_one_is_set()
    {
        GateVerdict verdict = ReleaseGate.Evaluate(HeadTestModels.Base(), HeadTestModels.Base(), HeldOut, new GateOptions { MinGainPoints = 0.5 });

        Assert.False(verdict.Pass);
        string reason = Assert.Single(verdict.Reasons);
        Assert.EndsWith("plus the required gain of 0.50 points", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_drop_within_the_limit_passes()
    {
        Int8Model candidate = Sabotage(HeadTestModels.Base(), 3);

        GateVerdict verdict = ReleaseGate.Evaluate(HeadTestModels.Base(), candidate, HeldOut, new GateOptions { MinGainPoints = -50, MaxClassDropPoints = 100 });

        Assert.True(verdict.Pass);
        Assert.Empty(verdict.Reasons);
    }

    [Fact]
    public void The_verdict_round_trips_through_json()
    {
        GateVerdict verdict = ReleaseGate.Evaluate(HeadTestModels.Base(), Sabotage(HeadTestModels.Base(), 6), HeldOut, new GateOptions());

        GateVerdict back = GateVerdict.FromJson(verdict.ToJson());

        Assert.Equal(verdict.Pass, back.Pass);
        Assert.Equal(verdict.CurrentAccuracy, back.CurrentAccuracy);
        Assert.Equal(verdict.CandidateAccuracy, back.CandidateAccuracy);
        Assert.Equal(verdict.Labels, back.Labels);
        Assert.Equal(verdict.CurrentPerClass, back.CurrentPerClass);
        Assert.Equal(verdict.CandidatePerClass, back.CandidatePerClass);
        Assert.Equal(verdict.Reasons, back.Reasons);
        Assert.Contains(back.Reasons, r => r.StartsWith("class 'Shirt' drops", StringComparison.Ordinal));
    }

    [Fact]
    public void Refuses_models_with_other_labels_and_limits_that_make_no_sense()
    {
        Int8Model current = HeadTestModels.Base();
        Int8Model relabelled = HeadTestModels.Base();
        relabelled.Labels = [.. relabelled.Labels.Reverse()];

        Assert.Throws<ArgumentException>(() => ReleaseGate.Evaluate(current, relabelled, HeldOut, new GateOptions()));
        Assert.Throws<ArgumentException>(() => ReleaseGate.Evaluate(current, HeadTestModels.Base(), HeldOut, new GateOptions { MaxClassDropPoints = -1 }));
        Assert.Throws<ArgumentException>(() => ReleaseGate.Evaluate(current, HeadTestModels.Base(), HeldOut, new GateOptions { MinGainPoints = double.NaN }));
        Assert.Throws<ArgumentException>(() => ReleaseGate.Evaluate(current, HeadTestModels.Base(), HeldOut.Take(0), new GateOptions()));
    }

    /// <summary>Pushes one class's logit far down: its bias in the last fully connected layer becomes very negative.</summary>
    private static Int8Model Sabotage(Int8Model model, int label)
    {
        var last = (FullyConnected)model.Operators[TrainableHead.Find(model, 1).FirstOperator];
        last.Bias[label] = -(1 << 28);
        return model;
    }
}
