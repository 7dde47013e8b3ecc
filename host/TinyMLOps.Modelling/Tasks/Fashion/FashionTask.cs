using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Training;

namespace TinyMLOps.Modelling.Tasks.Fashion;

/// <summary>
/// Clothing images (Fashion-MNIST, 28x28 grey, ten classes) from the IDX files of Debian's dataset-fashion-mnist or
/// any folder holding them: trains on the training split less its last 5,000 images, calibrates on the first 1,000 of
/// those and measures and gates on the other 4,000.
/// </summary>
public sealed class FashionTask : TaskDefinition
{
    public const string TaskId = "fashion";

    public static FashionTask Instance { get; } = new();

    public override string Id => TaskId;

    public override string Title => "Fashion-MNIST clothing images (28x28 grey, 10 classes)";

    public override string SampleNoun => "images";

    /// <summary>MLPs (fully connected only, so they also serve boards without convolution kernels) and CNNs, each at three widths.</summary>
    public override IReadOnlyList<VariantSpec> Family { get; } =
    [
        new("mlp-w0.25", "mlp", 0.25),
        new("mlp-w0.5", "mlp", 0.5),
        new("mlp-w1", "mlp", 1),
        new("cnn-w0.25", "cnn", 0.25),
        new("cnn-w0.5", "cnn", 0.5),
        new("cnn-w1", "cnn", 1),
    ];

    public override TaskSplits Load(TaskLoadOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        string dir = options.Data ?? FashionMnist.DefaultDirectory;
        progress?.Report($"Fashion-MNIST from {dir}");
        FashionMnistSplits splits = FashionMnist.Load(dir);
        ImageDataset train = options.TrainLimit > 0 ? splits.Train.Take(options.TrainLimit) : splits.Train;
        return new TaskSplits(train, splits.HeldOut.Slice(0, 1000), splits.HeldOut.Slice(1000, splits.HeldOut.Count - 1000), dir);
    }
}
