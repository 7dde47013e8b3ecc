using System.Diagnostics;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Model;
using TinyMLOps.Simulation.Tasks;

namespace TinyMLOps.Host.Tests.Simulation.Tasks;

/// <summary>The small generated corpus (cached by its plan), the family built on it, and a float CNN with its int8 twin.</summary>
public sealed class KeywordsTaskFixture
{
    /// <summary>Enough for the small corpus (54 steps an epoch); the full one trains for the task's default.</summary>
    public const int Epochs = 20;

    private readonly Lazy<State> _state = new(Build);

    public sealed record State(
        TaskSplits Splits,
        IReadOnlyList<(VariantArtifact Artifact, byte[] File)> Family,
        double FloatAccuracy,
        double Int8Accuracy,
        string Log);

    public State Value => _state.Value;

    private static State Build()
    {
        var log = new System.Text.StringBuilder();
        var clock = Stopwatch.StartNew();
        var task = KeywordsTask.Instance;
        TaskSplits splits = task.Load(new TaskLoadOptions { Small = true, Seed = 1 }, new Progress<string>(_ => { }));
        log.AppendLine($"corpus: {splits.Train.Count} train, {splits.HeldOut.Count} held out, {KeywordsTask.NewVoiceClips(splits)!.Count} new voice; loaded in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        // Three of the six (the narrowest MLP, which fits an ESP32-C3, the widest, which does not, and a CNN), to keep the test short.
        var family = VariantBuilder.Build(task, splits, Epochs, [.. task.Family.Where(f => f.Id is "mlp-w0.25" or "mlp-w1" or "cnn-w0.5")]).Select(v => (v.Artifact, v.File)).ToList();
        log.AppendLine($"family of {family.Count} built in {clock.Elapsed.TotalSeconds:F1} s");

        // Float against int8 of one CNN: the float model on the fixed-point features, the int8 model through the device's front-end on the raw clips.
        clock.Restart();
        var spec = task.Family.Single(s => s.Id == "cnn-w0.5");
        FloatModel model = spec.Create(new TensorShape(splits.Train.Height, splits.Train.Width, splits.Train.Channels), splits.Train.ClassNames);
        Trainer.Train(model, splits.Train, spec.Training(Epochs));
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, splits.Calibration, new QuantizationOptions { ModelId = task.Id, VariantId = spec.Id, Equalization = false });
        int8.FrontEnd = task.CreateFrontEnd();
        double floatAccuracy = Evaluation.Evaluate(model, splits.HeldOut).Accuracy;
        double int8Accuracy = Evaluation.Evaluate(ModelReader.Read(ModelWriter.Write(int8)), splits.HeldOut).Accuracy;
        log.AppendLine($"{spec.Id}: float {floatAccuracy:P2}, int8 {int8Accuracy:P2} on {splits.HeldOut.Count} held-out clips ({clock.Elapsed.TotalSeconds:F1} s)");
        return new State(splits, family, floatAccuracy, int8Accuracy, log.ToString());
    }
}
