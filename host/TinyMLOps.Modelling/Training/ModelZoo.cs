using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;

namespace TinyMLOps.Modelling.Training;

/// <summary>
/// The project's standard architectures, by default for 28x28x1 images and ten classes. Weights are
/// zero until <see cref="Trainer.Train"/> (or <see cref="Trainer.InitializeWeights"/>) fills them.
/// </summary>
public static class ModelZoo
{
    /// <summary>Outputs of a zoo model given no class names; they are numbered "0" .. "9".</summary>
    public const int DefaultClasses = 10;

    /// <summary>The input a zoo model takes when not told: one 28x28 grey image.</summary>
    public static TensorShape ImageInput { get; } = new(28, 28, 1);

    /// <summary>
    /// Recipe for <see cref="Mlp"/> on the full training split of the clothing images (docs/tasks.md): 20 epochs of Adam at 1e-3,
    /// decayed ×0.9 per epoch (about 15 s on two cores; ≈ 89% test accuracy).
    /// </summary>
    public static TrainingOptions MlpTraining { get; } = new() { Epochs = 20, LearningRate = 1e-3f, LearningRateDecay = 0.9f };

    /// <summary>
    /// Recipe for <see cref="Cnn"/> on the full training split of the clothing images: 15 epochs of Adam at 1e-3,
    /// decayed ×0.85 per epoch (about 3 minutes on two cores; ≈ 91.5% test accuracy).
    /// </summary>
    public static TrainingOptions CnnTraining { get; } = new() { Epochs = 15, LearningRate = 1e-3f, LearningRateDecay = 0.85f };

    /// <summary>
    /// Flatten → Dense(784, hidden, relu) [→ Dense(hidden, hidden2, relu)] → Dense(·, 10) → Softmax.
    /// </summary>
    public static FloatModel Mlp(int hidden = 128, int hidden2 = 0, IReadOnlyList<string>? labels = null, string? name = null, TensorShape? input = null)
    {
        if (hidden < 1 || hidden2 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(hidden), "hidden sizes must be positive");
        }

        labels ??= IdxFiles.NumberedNames(DefaultClasses);
        TensorShape shape = input ?? ImageInput;
        int inputs = shape.Elements;
        var layers = new List<FloatLayer>
        {
            new FlattenLayer(),
            new DenseLayer(inputs, hidden, FloatActivation.Relu),
        };
        int last = hidden;
        if (hidden2 > 0)
        {
            layers.Add(new DenseLayer(hidden, hidden2, FloatActivation.Relu));
            last = hidden2;
        }

        layers.Add(new DenseLayer(last, labels.Count));
        layers.Add(new SoftmaxLayer());
        return new FloatModel(name ?? (hidden2 > 0 ? $"mlp-{hidden}-{hidden2}" : $"mlp-{hidden}"), shape, layers, labels);
    }

    /// <summary>
    /// Conv 3x3 same (conv1, relu) → MaxPool 2 → Conv 3x3 same (conv2, relu) → MaxPool 2 → Flatten (7·7·conv2)
    /// [→ Dense(·, hidden, relu)] → Dense(·, 10) → Softmax. The default (16, 32, 64) has 110k parameters and
    /// 1.1M MACs per image; hidden: 0 drops the hidden Dense (16k parameters, about 0.8 points less accurate).
    /// </summary>
    public static FloatModel Cnn(int conv1 = 16, int conv2 = 32, int hidden = 64, IReadOnlyList<string>? labels = null, string? name = null, TensorShape? input = null)
    {
        if (conv1 < 1 || conv2 < 1 || hidden < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(conv1), "layer sizes must be positive");
        }

        labels ??= IdxFiles.NumberedNames(DefaultClasses);
        TensorShape shape = input ?? ImageInput;
        if (shape.H < 4 || shape.W < 4)
        {
            throw new ArgumentException($"the CNN pools twice by 2 and needs an input of at least 4x4, not {shape}");
        }

        var pool = new WindowSpec(2, 2, 2, 2);
        int flat = (shape.H / 4) * (shape.W / 4) * conv2;
        var layers = new List<FloatLayer>
        {
            new Conv2DLayer(shape.C, conv1, WindowSpec.Same(3), FloatActivation.Relu),
            new MaxPool2DLayer(pool),
            new Conv2DLayer(conv1, conv2, WindowSpec.Same(3), FloatActivation.Relu),
            new MaxPool2DLayer(pool),
            new FlattenLayer(),
        };
        int last = flat;
        if (hidden > 0)
        {
            layers.Add(new DenseLayer(flat, hidden, FloatActivation.Relu));
            last = hidden;
        }

        layers.Add(new DenseLayer(last, labels.Count));
        layers.Add(new SoftmaxLayer());
        string defaultName = hidden > 0 ? $"cnn-{conv1}-{conv2}-{hidden}" : $"cnn-{conv1}-{conv2}";
        return new FloatModel(name ?? defaultName, shape, layers, labels);
    }

    /// <summary>Recipe for <see cref="Autoencoder"/>: Adam at 2e-3, decayed ×0.9 per epoch, mean squared reconstruction loss.</summary>
    public static TrainingOptions AutoencoderTraining { get; } = new() { Epochs = 30, BatchSize = 32, LearningRate = 2e-3f, LearningRateDecay = 0.93f, Loss = TrainingLoss.Reconstruction };

    /// <summary>
    /// Flatten → Dense(F, hidden, relu) → Dense(hidden, bottleneck, relu) → Dense(bottleneck, hidden, relu) → Dense(hidden, F):
    /// a fully connected autoencoder that reconstructs its F input values; no labels (the device reports normal or anomaly).
    /// </summary>
    public static FloatModel Autoencoder(TensorShape input, int hidden = 32, int bottleneck = 8, string? name = null)
    {
        if (hidden < 1 || bottleneck < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(hidden), "layer sizes must be positive");
        }

        int features = input.Elements;
        var layers = new List<FloatLayer>
        {
            new FlattenLayer(),
            new DenseLayer(features, hidden, FloatActivation.Relu),
            new DenseLayer(hidden, bottleneck, FloatActivation.Relu),
            new DenseLayer(bottleneck, hidden, FloatActivation.Relu),
            new DenseLayer(hidden, features),
        };
        return new FloatModel(name ?? $"autoencoder-{hidden}-{bottleneck}", input, layers, []);
    }
}
