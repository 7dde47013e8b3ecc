using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;

namespace TinyMLOps.Host.Tests;

/// <summary>Shared, lazily loaded test data: Fashion-MNIST is read once per test run.</summary>
internal static class TestData
{
    private static readonly Lazy<FashionMnistSplits> Splits = new(() => FashionMnist.Load());
    private static readonly Lazy<ImageDataset> Train = new(() => FashionMnist.LoadTrain());

    /// <summary>Train (55,000), held-out (5,000) and test (10,000) parts of Fashion-MNIST.</summary>
    public static FashionMnistSplits Fashion => Splits.Value;

    /// <summary>The full official training set (60,000).</summary>
    public static ImageDataset FashionTrainFull => Train.Value;

    /// <summary>Seeded uniform values in [lo, hi).</summary>
    public static float[] RandomFloats(int count, int seed, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = lo + ((hi - lo) * (float)rng.NextDouble());
        }

        return v;
    }

    /// <summary>Fills every weight and bias of the model with seeded uniform values in [-scale, scale).</summary>
    public static void Randomize(FloatModel model, int seed, float scale = 0.5f)
    {
        int s = seed;
        foreach (FloatLayer layer in model.Layers)
        {
            (float[] w, float[] b) = layer switch
            {
                DenseLayer d => (d.Weights, d.Bias),
                Conv2DLayer c => (c.Weights, c.Bias),
                DepthwiseConv2DLayer dw => (dw.Weights, dw.Bias),
                _ => ([], []),
            };
            RandomFloats(w.Length, s++, -scale, scale).CopyTo(w, 0);
            RandomFloats(b.Length, s++, -scale / 4, scale / 4).CopyTo(b, 0);
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback synchronously (unlike Progress&lt;T&gt;).</summary>
internal sealed class ListProgress<T> : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        lock (Reports)
        {
            Reports.Add(value);
        }
    }
}

/// <summary>One briefly trained MLP and its figures, shared by the quantization tests.</summary>
internal static class TrainedModels
{
    private static readonly Lazy<FloatModel> SmallMlp = new(() =>
    {
        FloatModel m = ModelZoo.Mlp(hidden: 64, labels: FashionMnist.ClassNames);
        Trainer.Train(m, TestData.Fashion.Train.Take(20_000), new TrainingOptions { Epochs = 2, Seed = 7 });
        return m;
    });

    private static readonly Lazy<FloatModel> SmallCnn = new(() =>
    {
        FloatModel m = ModelZoo.Cnn(conv1: 4, conv2: 8, hidden: 0, labels: FashionMnist.ClassNames);
        Trainer.Train(m, TestData.Fashion.Train.Take(12_000), new TrainingOptions { Epochs = 1, Seed = 11, LearningRate = 3e-3f });
        return m;
    });

    /// <summary>Mlp(64) trained 2 epochs on 20,000 images.</summary>
    public static FloatModel Mlp => SmallMlp.Value;

    /// <summary>Cnn(4, 8, hidden: 0) trained 1 epoch on 12,000 images.</summary>
    public static FloatModel Cnn => SmallCnn.Value;
}
