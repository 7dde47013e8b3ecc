using System.Reflection;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Shared.Federated;

namespace TinyMLOps.Firmware.Tests.Learning;

public class HeadTrainerTests
{
    private static TrainableHead Head(int layers, out float[][] global, int seed = 3)
    {
        var model = LearningModels.Mlp(seed, inputs: 16, hidden: 8, classes: 4);
        var head = TrainableHead.Find(model, layers);
        var rng = new Random(seed);

        // Weights of order 0.3 rather than the quantized ones, so every gradient is well above float noise.
        global = head.NewTensors();
        foreach (var t in global)
        {
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = (float)((rng.NextDouble() * 2) - 1) * 0.6f;
            }
        }

        return head;
    }

    private static ListSamples RandomSamples(TrainableHead head, int n, int seed)
    {
        var rng = new Random(seed);
        var samples = new ListSamples();
        for (int s = 0; s < n; s++)
        {
            samples.Add([.. Enumerable.Range(0, head.FeatureLength).Select(_ => (float)rng.NextDouble())], rng.Next(head.ClassCount));
        }

        return samples;
    }

    /// <summary>The mean loss at these weights: one full-batch epoch computes it before its step.</summary>
    private static double Loss(HeadTrainer trainer, float[][] weights, ISampleSet samples)
    {
        trainer.SetGlobal(weights);
        var p = new TrainingParams { Epochs = 1, BatchSize = samples.Count, LearningRate = 1f };
        return trainer.Train(samples, p, new Random(1)).LastEpochLoss;
    }

    private static float[][] Copy(float[][] tensors) => [.. tensors.Select(t => (float[])t.Clone())];

    private static double Distance(float[][] a, float[][] b) =>
        Math.Sqrt(a.Zip(b).Sum(p => p.First.Zip(p.Second).Sum(q => (double)(q.First - q.Second) * (q.First - q.Second))));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_gradient_matches_finite_differences_through_softmax_cross_entropy_and_relu(int layers)
    {
        var head = Head(layers, out var w, seed: 11);
        var samples = RandomSamples(head, 12, 5);
        var trainer = new HeadTrainer(head);

        // One full-batch step with learning rate 1 moves the weights by exactly minus the mean gradient.
        trainer.SetGlobal(w);
        trainer.Train(samples, new TrainingParams { Epochs = 1, BatchSize = samples.Count, LearningRate = 1f }, new Random(1));
        var analytic = w.Select((t, k) => t.Select((v, i) => (double)v - trainer.Weights[k][i]).ToArray()).ToArray();

        // Small enough that no relu input crosses zero in this seeded set, large enough for float loss noise.
        const float Eps = 1e-3f;
        int checkedCount = 0;
        for (int t = 0; t < w.Length; t++)
        {
            for (int i = 0; i < w[t].Length; i++)
            {
                var plus = Copy(w);
                plus[t][i] += Eps;
                var minus = Copy(w);
                minus[t][i] -= Eps;
                double numeric = (Loss(trainer, plus, samples) - Loss(trainer, minus, samples)) / (2 * Eps);
                double error = Math.Abs(numeric - analytic[t][i]);
                Assert.True(error <= 1e-3 + (0.02 * Math.Abs(analytic[t][i])), $"{head.TensorName(t)}[{i}]: analytic {analytic[t][i]:g6}, numeric {numeric:g6}");
                checkedCount++;
            }
        }

        Assert.Equal(head.ParameterCount, checkedCount);
        Assert.Contains(analytic.SelectMany(a => a), g => Math.Abs(g) > 1e-2);
    }

    [Fact]
    public void The_loss_falls_and_every_sample_ends_right_on_a_separable_set()
    {
        var head = Head(2, out var w);
        var rng = new Random(7);
        var samples = new ListSamples();
        for (int s = 0; s < 80; s++)
        {
            int label = s % head.ClassCount;
            var x = Enumerable.Range(0, head.FeatureLength).Select(_ => (float)(rng.NextDouble() * 0.2)).ToArray();
            x[label * 2] += 1f;
            x[(label * 2) + 1] += 1f;
            samples.Add(x, label);
        }

        var trainer = new HeadTrainer(head);
        trainer.SetGlobal(w);
        var p = new TrainingParams { Epochs = 1, BatchSize = 8, LearningRate = 0.2f };
        var first = trainer.Train(samples, p, rng);
        p.Epochs = 40;
        var last = trainer.Train(samples, p, rng);

        Assert.True(last.LastEpochLoss < first.LastEpochLoss / 4, $"loss {first.LastEpochLoss} -> {last.LastEpochLoss}");
        Assert.Equal(1f, last.LastEpochAccuracy);
        Assert.Equal(40 * 80, last.SamplesSeen);
        Assert.Equal(40 * 10, last.Steps);
        Assert.All(samples.Items, s => Assert.Equal(s.Label, trainer.Predict(s.Features)));
    }

    [Fact]
    public void A_large_proximal_term_keeps_the_local_weights_near_the_global_ones()
    {
        var head = Head(1, out var w);
        var samples = RandomSamples(head, 64, 9);
        var p = new TrainingParams { Epochs = 20, BatchSize = 8, LearningRate = 0.05f };

        var plain = new HeadTrainer(head);
        plain.SetGlobal(w);
        plain.Train(samples, p, new Random(2));

        p.ProximalMu = 19f; // lr x mu just below 1: each step pulls almost all the way back
        var prox = new HeadTrainer(head);
        prox.SetGlobal(w);
        prox.Train(samples, p, new Random(2));

        double plainDistance = Distance(plain.Weights, w);
        double proxDistance = Distance(prox.Weights, w);
        Assert.True(plainDistance > 0.1, "plain SGD moved " + plainDistance);
        Assert.True(proxDistance < plainDistance / 10, $"FedProx moved {proxDistance}, plain SGD {plainDistance}");
        Assert.Equal(0, Distance(prox.Global, w));
    }

    [Fact]
    public void The_delta_is_the_local_weights_minus_the_global_ones()
    {
        var head = Head(2, out var w);
        var trainer = new HeadTrainer(head);
        trainer.SetGlobal(w);
        trainer.Train(RandomSamples(head, 30, 4), new TrainingParams { Epochs = 2, BatchSize = 4, LearningRate = 0.1f }, new Random(3));

        var delta = head.NewTensors();
        trainer.Delta(delta);

        for (int t = 0; t < delta.Length; t++)
        {
            for (int i = 0; i < delta[t].Length; i++)
            {
                Assert.Equal(trainer.Weights[t][i] - w[t][i], delta[t][i]);
            }
        }

        Assert.Contains(delta.SelectMany(d => d), v => v != 0);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 300)]
    public void RamBytes_equals_the_trainers_arrays_plus_the_shuffle_order(int layers, int samples)
    {
        var head = Head(layers, out _);
        var trainer = new HeadTrainer(head);

        long bytes = 0;
        foreach (var field in typeof(HeadTrainer).GetFields(BindingFlags.Instance | BindingFlags.NonPublic))
        {
            if (field.GetValue(trainer) is float[][] arrays)
            {
                bytes += arrays.Sum(a => 4L * a.Length);
            }
        }

        Assert.Equal(bytes + (4L * samples), HeadTrainer.RamBytes(head, samples));
        Assert.True(bytes >= 3L * 4 * head.ParameterCount);
    }
}
