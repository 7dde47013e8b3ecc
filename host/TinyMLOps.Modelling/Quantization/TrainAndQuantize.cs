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

/// <summary>The standard flow on Fashion-MNIST splits: train on Train (validating on HeldOut), calibrate on HeldOut, test both models on Test.</summary>
public static class TrainAndQuantize
{
    public static TrainAndQuantizeResult Run(
        FloatModel model,
        FashionMnistSplits data,
        TrainingOptions? training = null,
        QuantizationOptions? quantization = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        TrainingResult trained = Trainer.Train(model, data.Train, training, progress, data.HeldOut, cancellationToken);
        EvaluationResult floatTest = Evaluation.Evaluate(model, data.Test);
        var clock = Stopwatch.StartNew();
        Int8Model int8 = PostTrainingQuantizer.Quantize(model, data.HeldOut, quantization);
        byte[] file = ModelWriter.Write(int8);
        TimeSpan quantizationTime = clock.Elapsed;
        EvaluationResult int8Test = Evaluation.Evaluate(int8, data.Test);
        return new TrainAndQuantizeResult(model, trained, floatTest, int8, file, int8Test, quantizationTime);
    }
}
