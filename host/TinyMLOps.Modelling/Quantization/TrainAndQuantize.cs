using System.Diagnostics;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>Everything one train → evaluate → quantize → evaluate run produced.</summary>
public sealed record TrainAndQuantizeResult(
    FloatModel Model,
    TrainingResult Training,
    EvaluationResult FloatTest,
    Int8Model Int8Model,
    byte[] ModelFile,
    EvaluationResult Int8Test,
    TimeSpan QuantizationTime)
{
    /// <summary>Float minus int8 test accuracy, in percentage points.</summary>
    public double AccuracyDropPoints => (FloatTest.Accuracy - Int8Test.Accuracy) * 100;
}

/// <summary>The standard flow: train on <c>train</c> (validating on <c>heldOut</c>), calibrate on <c>heldOut</c>, test both models on <c>test</c>.</summary>
public static class TrainAndQuantize
{
    public static TrainAndQuantizeResult Run(
        FloatModel model,
        LabelledSet train,
        LabelledSet heldOut,
        LabelledSet test,
        TrainingOptions? training = null,
        QuantizationOptions? quantization = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(test);
        TrainingResult trained = Trainer.Train(model, train, training, progress, heldOut, cancellationToken);
        EvaluationResult floatTest = Evaluation.Evaluate(model, test);
        var clock = Stopwatch.StartNew();
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, heldOut, quantization);
        byte[] file = ModelWriter.Write(int8);
        TimeSpan quantizationTime = clock.Elapsed;
        EvaluationResult int8Test = Evaluation.Evaluate(int8, test);
        return new TrainAndQuantizeResult(model, trained, floatTest, int8, file, int8Test, quantizationTime);
    }
}
