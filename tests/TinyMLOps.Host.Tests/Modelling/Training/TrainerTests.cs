using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;

namespace TinyMLOps.Host.Tests.Modelling.Training;

public class TrainerTests
{
    [Fact]
    public void Training_loss_decreases_from_epoch_to_epoch_on_a_small_subset()
    {
        FloatModel model = ModelZoo.Mlp(hidden: 32);
        TrainingResult r = Trainer.Train(model, TestData.Fashion.Train.Take(3_000), new TrainingOptions { Epochs = 3, Seed = 3 });
        Assert.Equal(3, r.Epochs.Count);
        Assert.True(r.Epochs[1].Loss < r.Epochs[0].Loss, $"{r.Epochs[1].Loss} !< {r.Epochs[0].Loss}");
        Assert.True(r.Epochs[2].Loss < r.Epochs[1].Loss, $"{r.Epochs[2].Loss} !< {r.Epochs[1].Loss}");
        Assert.True(r.Last.Accuracy > 0.75, $"train accuracy {r.Last.Accuracy}");
    }

    [Fact]
    public void Reconstruction_training_brings_an_autoencoders_output_close_to_its_input()
    {
        // Points near a 2-D plane in 12 dimensions: a bottleneck of 4 can reconstruct them.
        var rng = new Random(4);
        var inputs = new List<float[]>();
        for (int i = 0; i < 600; i++)
        {
            double a = (4 * rng.NextDouble()) - 2, b = (4 * rng.NextDouble()) - 2;
            inputs.Add([.. Enumerable.Range(0, 12).Select(k => (float)((a * Math.Sin(k)) + (b * Math.Cos(k * 0.7)) + 1 + (0.01 * rng.NextDouble())))]);
        }

        var data = new SignalSet("plane", 1, 1, [.. inputs.Select(_ => new short[1])], new int[inputs.Count], ["normal"], 1, 1, 12, inputs);
        FloatModel model = ModelZoo.Autoencoder(new TensorShape(1, 1, 12), hidden: 16, bottleneck: 4);
        double Error() => inputs.Average(x => FloatInference.Forward(model, x).Zip(x, (y, t) => (y - t) * (double)(y - t)).Average());
        TrainingResult r = Trainer.Train(model, data, ModelZoo.AutoencoderTraining with { Epochs = 40, Seed = 2 });
        Assert.True(r.Last.Loss < r.Epochs[0].Loss / 5, $"loss {r.Epochs[0].Loss} then {r.Last.Loss}");
        Assert.Equal(r.Last.Loss, Error(), 1);
        // Well below the error of the best constant output (the mean input).
        float[] mean = [.. Enumerable.Range(0, 12).Select(k => inputs.Average(x => x[k]))];
        double constant = inputs.Average(x => x.Zip(mean, (v, m) => (v - m) * (double)(v - m)).Average());
        Assert.True(Error() < constant / 4, $"mean squared error {Error()} against {constant} for the mean");
        Assert.Throws<ArgumentException>(() => Trainer.Train(ModelZoo.Mlp(hidden: 4, labels: ["a", "b"], input: new TensorShape(1, 1, 12)), data, ModelZoo.AutoencoderTraining with { Epochs = 1 }));
    }

    [Fact]
    public void Training_is_bit_for_bit_deterministic_for_a_seed_whatever_the_thread_count()
    {
        ImageDataset data = TestData.Fashion.Train.Take(1_000);
        FloatModel a = ModelZoo.Cnn(conv1: 2, conv2: 4, hidden: 8);
        FloatModel b = ModelZoo.Cnn(conv1: 2, conv2: 4, hidden: 8);
        FloatModel c = ModelZoo.Cnn(conv1: 2, conv2: 4, hidden: 8);
        Trainer.Train(a, data, new TrainingOptions { Epochs = 1, Seed = 5, BatchSize = 32, MaxDegreeOfParallelism = 1 });
        Trainer.Train(b, data, new TrainingOptions { Epochs = 1, Seed = 5, BatchSize = 32, MaxDegreeOfParallelism = 2 });
        Trainer.Train(c, data, new TrainingOptions { Epochs = 1, Seed = 6, BatchSize = 32, MaxDegreeOfParallelism = 2 });
        Assert.Equal(Parameters(a), Parameters(b));
        Assert.NotEqual(Parameters(a), Parameters(c));
    }

    [Fact]
    public void He_initialisation_is_seeded_and_scaled_by_fan_in()
    {
        FloatModel a = ModelZoo.Mlp(hidden: 256);
        FloatModel b = ModelZoo.Mlp(hidden: 256);
        Trainer.InitializeWeights(a, 42);
        Trainer.InitializeWeights(b, 42);
        Assert.Equal(Parameters(a), Parameters(b));
        var first = (DenseLayer)a.Layers[1];
        double std = Math.Sqrt(first.Weights.Select(w => (double)w * w).Average());
        Assert.InRange(std, 0.95 * Math.Sqrt(2.0 / 784), 1.05 * Math.Sqrt(2.0 / 784));
        Assert.All(first.Bias, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Progress_is_reported_during_and_at_the_end_of_every_epoch()
    {
        var progress = new ListProgress<TrainingProgress>();
        FloatModel model = ModelZoo.Mlp(hidden: 16);
        Trainer.Train(model, TestData.Fashion.Train.Take(640), new TrainingOptions { Epochs = 2, BatchSize = 32, ReportEveryBatches = 5 }, progress, TestData.Fashion.HeldOut.Take(200));
        List<TrainingProgress> ends = progress.Reports.Where(p => p.EpochCompleted).ToList();
        Assert.Equal([1, 2], ends.Select(p => p.Epoch));
        Assert.All(ends, p => Assert.NotNull(p.ValidationAccuracy));
        Assert.All(ends, p => Assert.Equal(20, p.Batch));
        Assert.Equal(1.0, ends[^1].Fraction, 6);
        Assert.Contains(progress.Reports, p => !p.EpochCompleted && p.Batch == 5 && p.Batches == 20);
        Assert.All(progress.Reports, p => Assert.InRange(p.Accuracy, 0, 1));
    }

    [Fact]
    public void The_trainer_forward_pass_matches_the_reference_float_inference()
    {
        // Multi-channel input: exercises the HWC <-> CHW conversions at the input and at Flatten.
        var features = new FloatModel("mixed", new TensorShape(7, 6, 3),
        [
            new Conv2DLayer(3, 4, new WindowSpec(3, 3, 1, 1, 1, 0, 1, 0), FloatActivation.Relu),
            new DepthwiseConv2DLayer(4, 2, new WindowSpec(3, 2, 2, 1, 1, 1, 1, 0), FloatActivation.Relu6),
            new AveragePool2DLayer(new WindowSpec(2, 2, 1, 1, 0, 0, 1, 1)),
            new MaxPool2DLayer(new WindowSpec(2, 2, 2, 2, 1, 1, 0, 0)),
            new FlattenLayer(),
        ]);
        int flat = features.Output.Elements;
        var model = new FloatModel("mixed", features.Input, [.. features.Layers, new DenseLayer(flat, 5, FloatActivation.Relu), new DenseLayer(5, 4), new SoftmaxLayer()]);
        TestData.Randomize(model, 9);
        for (int s = 0; s < 5; s++)
        {
            float[] x = TestData.RandomFloats(model.Input.Elements, 100 + s, 0f, 1f);
            float[] expected = FloatInference.Forward(model, x);
            float[] actual = Trainer.Probabilities(model, x);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 4);
            }
        }
    }

    [Fact]
    public void Dense_gradients_match_finite_differences()
    {
        var model = new FloatModel("dense", new TensorShape(1, 1, 6),
        [
            new DenseLayer(6, 5, FloatActivation.Relu),
            new DenseLayer(5, 4, FloatActivation.Relu6),
            new DenseLayer(4, 3),
            new SoftmaxLayer(),
        ]);
        TestData.Randomize(model, 1, scale: 0.8f);
        CheckGradients(model, samples: 3, seed: 2);
    }

    [Fact]
    public void Convolution_depthwise_and_pooling_gradients_match_finite_differences()
    {
        var model = new FloatModel("conv", new TensorShape(6, 5, 2),
        [
            new Conv2DLayer(2, 3, WindowSpec.Same(3), FloatActivation.Relu),
            new DepthwiseConv2DLayer(3, 2, new WindowSpec(3, 3, 2, 1, 1, 1, 1, 1)),
            new AveragePool2DLayer(new WindowSpec(2, 2, 1, 1, 0, 0, 1, 1)),
            new MaxPool2DLayer(new WindowSpec(2, 2, 2, 2)),
            new FlattenLayer(),
        ]);
        model = new FloatModel("conv", model.Input, [.. model.Layers, new DenseLayer(model.Output.Elements, 3), new SoftmaxLayer()]);
        TestData.Randomize(model, 3, scale: 0.6f);
        CheckGradients(model, samples: 2, seed: 4);
    }

    [Fact]
    public void Unsupported_models_and_mismatched_data_are_rejected_with_clear_messages()
    {
        var midSoftmax = new FloatModel("bad", new TensorShape(1, 1, 4), [new SoftmaxLayer(), new DenseLayer(4, 2)]);
        Assert.Contains("final layer", Assert.Throws<NotSupportedException>(() => Trainer.InitializeWeights(midSoftmax, 1)).Message);
        var wrongInput = ModelZoo.Mlp(hidden: 8);
        ImageDataset tiny = new("tiny", 2, 2, 1, new byte[4], [0], FashionMnist.ClassNames);
        Assert.Contains("28x28x1", Assert.Throws<ArgumentException>(() => Trainer.Train(wrongInput, tiny)).Message);
        Assert.Throws<ArgumentException>(() => Trainer.Train(wrongInput, TestData.Fashion.HeldOut, new TrainingOptions { BatchSize = 0 }));
    }

    [Fact]
    public void The_zoo_models_have_the_documented_shapes()
    {
        FloatModel mlp = ModelZoo.Mlp();
        Assert.Equal(new TensorShape(28, 28, 1), mlp.Input);
        Assert.Equal(["Flatten", "Dense", "Dense", "Softmax"], mlp.Layers.Select(l => l.Kind));
        Assert.Equal(128, ((DenseLayer)mlp.Layers[1]).Units);
        Assert.Equal(10, mlp.Output.C);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], mlp.Labels); // no data set's names by default

        FloatModel cnn = ModelZoo.Cnn();
        Assert.Equal(["Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten", "Dense", "Dense", "Softmax"], cnn.Layers.Select(l => l.Kind));
        Assert.Equal(64, ((DenseLayer)cnn.Layers[5]).Units);
        Assert.Equal(7, ModelZoo.Cnn(hidden: 0).Layers.Count);
        Assert.Equal(new TensorShape(7, 7, 32), cnn.Shapes[4]);
        Assert.Equal(new TensorShape(1, 1, 10), cnn.Output);
        Assert.Equal(5, ModelZoo.Mlp(64, 32).Layers.Count);
    }

    private static void CheckGradients(FloatModel model, int samples, int seed)
    {
        var inputs = new List<float[]>();
        var labels = new List<int>();
        for (int i = 0; i < samples; i++)
        {
            inputs.Add(TestData.RandomFloats(model.Input.Elements, seed + i, 0f, 1f));
            labels.Add(i % model.Output.C);
        }

        Trainer.LossAndGradients(model, inputs, labels, out float[][] gw, out float[][] gb);
        int checkedCount = 0;
        var failures = new List<string>();
        for (int l = 0; l < model.Layers.Count; l++)
        {
            (float[] w, float[] b) = model.Layers[l] switch
            {
                DenseLayer d => (d.Weights, d.Bias),
                Conv2DLayer c => (c.Weights, c.Bias),
                DepthwiseConv2DLayer dw => (dw.Weights, dw.Bias),
                _ => ([], []),
            };
            Compare(model, inputs, labels, w, gw[l], $"layer {l} weight", failures);
            Compare(model, inputs, labels, b, gb[l], $"layer {l} bias", failures);
            checkedCount += w.Length + b.Length;
        }

        Assert.True(checkedCount > 20);

        // A perturbation can cross a ReLU or max-pool kink; allow at most 2% such parameters.
        Assert.True(failures.Count <= checkedCount / 50, string.Join("\n", failures));
    }

    private static void Compare(FloatModel model, List<float[]> inputs, List<int> labels, float[] p, float[] grad, string what, List<string> failures)
    {
        const float eps = 1e-3f;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + eps;
            double up = Trainer.Loss(model, inputs, labels);
            p[i] = saved - eps;
            double down = Trainer.Loss(model, inputs, labels);
            p[i] = saved;
            double numeric = (up - down) / (2 * eps);
            double err = Math.Abs(numeric - grad[i]);
            if (err > 2e-3 + (0.02 * Math.Abs(numeric)))
            {
                failures.Add($"{what}[{i}]: analytic {grad[i]:G6}, numeric {numeric:G6}");
            }
        }
    }

    private static float[] Parameters(FloatModel model) =>
        model.Layers.SelectMany(l => l switch
        {
            DenseLayer d => d.Weights.Concat(d.Bias),
            Conv2DLayer c => c.Weights.Concat(c.Bias),
            DepthwiseConv2DLayer dw => dw.Weights.Concat(dw.Bias),
            _ => [],
        }).ToArray();
}
