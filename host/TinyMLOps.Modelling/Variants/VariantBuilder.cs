using System.Diagnostics;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Modelling.Variants;

/// <summary>Progress of a variant build: which variant, which stage, and the training epoch.</summary>
public sealed record VariantBuildProgress(int Index, int Count, string VariantId, string Stage, double Fraction);

/// <summary>
/// Builds a model family: for each spec, train the float model, embed a fresh weight-space watermark (when asked)
/// before quantizing, quantize it to int8 (calibrated on held-out data), measure int8 accuracy on held-out data it never
/// trained on (for an autoencoder: the anomaly threshold calibrated on normal data, and the accuracy of its normal or
/// anomaly decisions, labels 0 normal and anything else anomalous), attach the reference drift profile of its training data, and summarize its cost.
/// </summary>
public static class VariantBuilder
{
    /// <summary>Builds <paramref name="specs"/> (default: the task's family) on the task's splits, with its front-end and drift groups.</summary>
    public static IReadOnlyList<(VariantArtifact Artifact, byte[] File, WatermarkKey? Watermark)> Build(
        TaskDefinition task,
        TaskSplits splits,
        int epochs,
        IReadOnlyList<VariantSpec>? specs = null,
        IProgress<VariantBuildProgress>? progress = null,
        CancellationToken cancellationToken = default,
        int profileSamples = ProfileBuilder.DefaultSamples,
        bool watermark = false)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(splits);
        var train = splits.Train;
        return Build(specs ?? task.Family, train, splits.Calibration, splits.HeldOut, epochs, task.Id, progress, cancellationToken, profileSamples, watermark, task.CreateFrontEnd, task.DriftGroupsFor(train.Height, train.Width, train.Channels), task.DriftAlarmPsiMilli);
    }

    /// <param name="watermark">Mark every variant with its own new 64-bit key, returned with it (keep it secret; the registry stores it).</param>
    /// <param name="frontEnd">Creates the front-end each variant carries (null: the variants take pixels).</param>
    /// <param name="groups">The drift profile's input groups (null: the default for the input shape).</param>
    /// <param name="alarmPsiMilli">The drift profile's alarm threshold, PSI in thousandths.</param>
    public static IReadOnlyList<(VariantArtifact Artifact, byte[] File, WatermarkKey? Watermark)> Build(
        IReadOnlyList<VariantSpec> specs,
        LabelledSet train,
        LabelledSet calibration,
        LabelledSet heldOut,
        int epochs,
        string modelId,
        IProgress<VariantBuildProgress>? progress = null,
        CancellationToken cancellationToken = default,
        int profileSamples = ProfileBuilder.DefaultSamples,
        bool watermark = false,
        Func<FrontEnd?>? frontEnd = null,
        DriftGroups? groups = null,
        int alarmPsiMilli = DriftProfile.DefaultAlarmPsiMilli)
    {
        var built = new List<(VariantArtifact, byte[], WatermarkKey?)>();
        for (int i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            int index = i;
            var clock = Stopwatch.StartNew();
            var model = spec.Create(new TensorShape(train.Height, train.Width, train.Channels), train.ClassNames);
            var trainingProgress = new Progress<TrainingProgress>(p => progress?.Report(new VariantBuildProgress(index, specs.Count, spec.Id, "training", p.Fraction)));
            Trainer.Train(model, train, spec.Training(epochs), trainingProgress, null, cancellationToken);
            WatermarkKey? key = null;
            if (watermark)
            {
                // Into the float weights, so the mark goes through quantization like the model does.
                progress?.Report(new VariantBuildProgress(index, specs.Count, spec.Id, "watermarking", 1));
                key = WeightWatermark.CreateKey(model);
                WeightWatermark.Embed(model, key);
            }

            progress?.Report(new VariantBuildProgress(index, specs.Count, spec.Id, "quantizing", 1));
            // No equalization: built variants train their dense head on the devices, and rescaling the head's input
            // channels by s would scale each channel's SGD step by 1/s² (it also moves a watermark's projections).
            Int8Model int8 = PostTrainingQuantizer.Quantize(model, calibration, new QuantizationOptions { ModelId = modelId, VariantId = spec.Id, Equalization = false });
            if (frontEnd?.Invoke() is { } fe)
            {
                fe.CheckFits(int8.InputH, int8.InputW, int8.InputC);
                int8.FrontEnd = fe;
            }

            if (spec.IsAnomalyDetector)
            {
                // The threshold from the device's own scores (through the front-end) on normal calibration data.
                int8.OutputKind = OutputKind.Anomaly;
                int8.AnomalyThreshold = AnomalyThreshold.Calibrate(int8, calibration);
            }

            // The reference drift profile goes inside the file, so the content hash and artifact tag cover it.
            progress?.Report(new VariantBuildProgress(index, specs.Count, spec.Id, "profiling", 1));
            int8.DriftProfile = ProfileBuilder.Build(ModelWriter.Write(int8), train, profileSamples, groups);
            int8.DriftProfile.AlarmPsiMilli = alarmPsiMilli;
            byte[] file = ModelWriter.Write(int8);
            var accuracy = Evaluation.Evaluate(ModelReader.Read(file), heldOut);
            var summary = ModelSummary.Of(file);
            string notes = $"{spec.Architecture} at width {spec.Width}, {epochs} epochs on {train.Count:N0} samples, calibrated on {calibration.Count:N0}"
                + (key != null ? $", watermarked ({key.BitCount} bits)" : string.Empty) + $", built in {clock.Elapsed.TotalSeconds:0} s";
            built.Add((new VariantArtifact(spec.Id, modelId, 1, summary.ContentHash, spec.Architecture, spec.Width, accuracy.Accuracy, heldOut.Count, summary, notes, DateTimeOffset.UtcNow), file, key));
            progress?.Report(new VariantBuildProgress(index, specs.Count, spec.Id, "done", 1));
        }

        return built;
    }
}
