using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;

namespace TinyMLOps.Modelling.Variants;

/// <summary>One member of a model family: an architecture at a width multiplier.</summary>
public sealed record VariantSpec(string Id, string Architecture, double Width)
{
    /// <summary>
    /// The Fashion-MNIST family: MLPs (fully connected only, so they also serve boards without convolution
    /// kernels) and CNNs, each at several widths. Width scales every hidden layer and channel count.
    /// </summary>
    public static IReadOnlyList<VariantSpec> FashionFamily { get; } =
    [
        new("mlp-w0.25", "mlp", 0.25),
        new("mlp-w0.5", "mlp", 0.5),
        new("mlp-w1", "mlp", 1),
        new("cnn-w0.25", "cnn", 0.25),
        new("cnn-w0.5", "cnn", 0.5),
        new("cnn-w1", "cnn", 1),
    ];

    public FloatModel Create() => Architecture switch
    {
        "mlp" => ModelZoo.Mlp(hidden: Scale(128), name: Id),
        "cnn" => ModelZoo.Cnn(conv1: Scale(16), conv2: Scale(32), hidden: Scale(64), name: Id),
        _ => throw new ArgumentException($"unknown architecture '{Architecture}' (mlp, cnn)"),
    };

    public TrainingOptions Training(int epochs) => (Architecture == "cnn" ? ModelZoo.CnnTraining : ModelZoo.MlpTraining) with { Epochs = epochs };

    private int Scale(int n) => Math.Max(2, (int)Math.Round(n * Width));
}
