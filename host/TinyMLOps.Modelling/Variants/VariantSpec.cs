using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;

namespace TinyMLOps.Modelling.Variants;

/// <summary>One member of a model family: an architecture at a width multiplier. Width scales every hidden layer and channel count.</summary>
public sealed record VariantSpec(string Id, string Architecture, double Width)
{
    /// <summary>The architectures <see cref="Create"/> builds.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["mlp", "cnn"];

    /// <summary>The float model for a task's input shape and classes, weights zero until trained.</summary>
    public FloatModel Create(TensorShape input, IReadOnlyList<string> labels) => Architecture switch
    {
        "mlp" => ModelZoo.Mlp(hidden: Scale(128), labels: labels, name: Id, input: input),
        "cnn" => ModelZoo.Cnn(conv1: Scale(16), conv2: Scale(32), hidden: Scale(64), labels: labels, name: Id, input: input),
        _ => throw new ArgumentException($"unknown architecture '{Architecture}' ({string.Join(", ", Architectures)})"),
    };

    /// <summary>The task's own training recipe (null: the zoo's recipe for the architecture); the epochs come from the build.</summary>
    public TrainingOptions? Recipe { get; init; }

    public TrainingOptions Training(int epochs) => (Recipe ?? (Architecture == "cnn" ? ModelZoo.CnnTraining : ModelZoo.MlpTraining)) with { Epochs = epochs };

    private int Scale(int n) => Math.Max(2, (int)Math.Round(n * Width));
}
