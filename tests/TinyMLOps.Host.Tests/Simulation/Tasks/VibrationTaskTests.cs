using System.Diagnostics;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Simulation.Tasks;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Simulation.Tasks;

/// <summary>The vibration task end to end: generated windows, the autoencoder family built, its int8 decisions on held-out healthy and faulty machines.</summary>
public sealed class VibrationTaskTests(ITestOutputHelper output)
{
    internal const int Epochs = 30;

    private static readonly Lazy<TaskSplits> SplitsValue = new(() => VibrationTask.Instance.Load(new TaskLoadOptions { Small = true, Seed = 5 }));

    private static readonly Lazy<IReadOnlyList<(VariantArtifact Artifact, byte[] File, WatermarkKey? Watermark)>> BuiltValue =
        new(() => VariantBuilder.Build(VibrationTask.Instance, Splits, Epochs));

    internal static TaskSplits Splits => SplitsValue.Value;

    internal static IReadOnlyList<(VariantArtifact Artifact, byte[] File, WatermarkKey? Watermark)> Built => BuiltValue.Value;

    [Fact]
    public void The_task_is_in_the_catalog_with_its_spectral_front_end_and_a_drift_group_per_feature()
    {
        Assert.Same(VibrationTask.Instance, TaskCatalog.Find("vibration"));
        Assert.IsType<VibrationScenario>(TaskCatalog.ScenarioFor(VibrationTask.Instance));
        var frontEnd = VibrationTask.Instance.CreateFrontEnd();
        Assert.Equal(3 * (VibrationTask.Bands + 2), frontEnd.OutC);
        Assert.Equal(TinyMLOps.Shared.Drift.HistogramLayout.KindPerChannel, VibrationTask.Instance.DriftGroupsFor(1, 1, frontEnd.OutC).Kind);
        Assert.All(Enumerable.Range(0, Splits.Train.Count), i => Assert.Equal(0, Splits.Train.Label(i)));
        Assert.Contains(1, Enumerable.Range(0, Splits.HeldOut.Count).Select(Splits.HeldOut.Label));
    }

    [Fact]
    public void The_int8_autoencoders_flag_faulty_machines_and_keep_false_alarms_near_the_calibrated_rate_like_the_float_model()
    {
        var clock = Stopwatch.StartNew();
        var built = Built;
        output.WriteLine($"built {built.Count} variants in {clock.Elapsed.TotalSeconds:0.0} s on {Splits.Train.Count} windows");
        var heldOut = (SignalSet)Splits.HeldOut;
        int[] labels = [.. Enumerable.Range(0, heldOut.Count).Select(heldOut.Label)];
        foreach (var (artifact, file, _) in built)
        {
            Int8Model model = ModelReader.Read(file);
            Assert.Equal(OutputKind.Anomaly, model.OutputKind);
            Assert.True(model.AnomalyThreshold > 0);
            Assert.Equal(model.AnomalyThreshold, AnomalyThreshold.Calibrate(model, Splits.Calibration));
            var classifier = new Classifier(file);
            Assert.Equal(2, classifier.ClassCount);
            var scores = new double[heldOut.Count];
            int detected = 0, falseAlarms = 0;
            for (int i = 0; i < heldOut.Count; i++)
            {
                int decided = heldOut.Classify(classifier, i);
                scores[i] = classifier.AnomalyError;
                detected += labels[i] == 1 ? decided : 0;
                falseAlarms += labels[i] == 0 ? decided : 0;
            }

            int faulty = labels.Count(l => l == 1), normal = labels.Length - faulty;
            double detection = (double)detected / faulty, falseAlarm = (double)falseAlarms / normal;
            double auc = Auc(scores, labels);

            // The float autoencoder the builder trained, retrained alike (training is deterministic), with its own 99th-percentile threshold.
            var spec = VibrationTask.Instance.Family.First(s => s.Id == artifact.VariantId);
            FloatModel net = spec.Create(new TensorShape(1, 1, heldOut.Channels), heldOut.ClassNames);
            Trainer.Train(net, Splits.Train, spec.Training(Epochs));
            double[] calibration = [.. Enumerable.Range(0, Splits.Calibration.Count).Select(i => FloatError(net, ((SignalSet)Splits.Calibration).Features(i)))];
            Array.Sort(calibration);
            double floatThreshold = calibration[(int)Math.Ceiling(0.99 * calibration.Length) - 1];
            double[] floatScores = [.. Enumerable.Range(0, heldOut.Count).Select(i => FloatError(net, heldOut.Features(i)))];
            double floatDetection = (double)Enumerable.Range(0, heldOut.Count).Count(i => labels[i] == 1 && floatScores[i] >= floatThreshold) / faulty;
            double floatFalseAlarm = (double)Enumerable.Range(0, heldOut.Count).Count(i => labels[i] == 0 && floatScores[i] >= floatThreshold) / normal;
            output.WriteLine($"{artifact.VariantId}: accuracy {artifact.Accuracy:P1}; int8 detection {detection:P1}, false alarms {falseAlarm:P1}, AUC {auc:F3}; float detection {floatDetection:P1}, false alarms {floatFalseAlarm:P1}, AUC {Auc(floatScores, labels):F3}; {artifact.Summary.FlashBytes} B flash, {artifact.Summary.Macs} MACs");
            // Faulty windows come machine by machine, cycling through the faults (VibrationTask.Load).
            int perMachine = faulty / VibrationTask.Machines.Count;
            output.WriteLine("  detected per fault: " + string.Join(", ", VibrationTask.Faults.Select((f, k) =>
            {
                var of = Enumerable.Range(normal, faulty).Where(i => (i - normal) % perMachine % VibrationTask.Faults.Count == k).ToList();
                return $"{f.Name} {of.Count(i => scores[i] >= model.AnomalyThreshold)}/{of.Count}";
            })));

            Assert.True(detection >= 0.8, $"{artifact.VariantId} detects {detection:P1}");
            Assert.True(falseAlarm <= 0.08, $"{artifact.VariantId} false alarms {falseAlarm:P1}");
            Assert.True(auc >= 0.9, $"{artifact.VariantId} AUC {auc:F3}");
            Assert.True(Math.Abs(detection - floatDetection) <= 0.1, $"int8 {detection:P1} against float {floatDetection:P1}");
            Assert.True(Math.Abs(falseAlarm - floatFalseAlarm) <= 0.05, $"int8 {falseAlarm:P1} against float {floatFalseAlarm:P1}");
            Assert.Equal(artifact.Accuracy, (double)((normal - falseAlarms) + detected) / labels.Length, 6);
        }
    }

    private static double FloatError(FloatModel model, ReadOnlySpan<float> x)
    {
        float[] y = FloatInference.Forward(model, x);
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (y[i] - x[i]) * (double)(y[i] - x[i]);
        }

        return sum / y.Length;
    }

    private static double Auc(double[] scores, int[] labels)
    {
        long pairs = 0, wins2 = 0;
        for (int a = 0; a < scores.Length; a++)
        {
            if (labels[a] == 0)
            {
                continue;
            }

            for (int n = 0; n < scores.Length; n++)
            {
                if (labels[n] == 0)
                {
                    pairs++;
                    wins2 += scores[a] > scores[n] ? 2 : scores[a] == scores[n] ? 1 : 0;
                }
            }
        }

        return wins2 / (2.0 * pairs);
    }
}
