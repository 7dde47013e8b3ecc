using TinyMLOps.Modelling.Float;

namespace TinyMLOps.Modelling.Training;

/// <summary>One member of a model family: an architecture at a width multiplier. Width scales every hidden layer and channel count.</summary>
public sealed record VariantSpec(string Id, string Architecture, double Width)
{
    /// <summary>The architectures <see cref="Create"/> builds.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["mlp", "cnn", "autoencoder"];

    /// <summary>The float model for a task's input shape and classes, weights zero until trained.</summary>
    public FloatModel Create(TensorShape input, IReadOnlyList<string> labels) => Architecture switch
    {
        "mlp" => ModelZoo.Mlp(hidden: Scale(128), labels: labels, name: Id, input: input),
        "cnn" => ModelZoo.Cnn(conv1: Scale(16), conv2: Scale(32), hidden: Scale(64), labels: labels, name: Id, input: input),
        "autoencoder" => ModelZoo.Autoencoder(input, hidden: Scale(32), bottleneck: Scale(8), name: Id),
        _ => throw new ArgumentException($"unknown architecture '{Architecture}' ({string.Join(", ", Architectures)})"),
    };

    /// <summary>An autoencoder (fully connected, trained to reconstruct its input) scores anomalies instead of classifying.</summary>
    public bool IsAnomalyDetector => Architecture == "autoencoder";

    /// <summary>The task's own training recipe (null: the zoo's recipe for the architecture); the epochs come from the build.</summary>
    public TrainingOptions? Recipe { get; init; }

    public TrainingOptions Training(int epochs) => (Recipe ?? Architecture switch
    {
        "cnn" => ModelZoo.CnnTraining,
        "autoencoder" => ModelZoo.AutoencoderTraining,
        _ => ModelZoo.MlpTraining,
    }) with { Epochs = epochs };

    private int Scale(int n) => Math.Max(2, (int)Math.Round(n * Width));
}
