using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Modelling.Tasks.Fashion;

/// <summary>
/// Fashion-MNIST in the IDX format (as shipped, gzip-compressed, by Debian's dataset-fashion-mnist package), read by
/// <see cref="IdxFiles"/>. Images are 28x28x1, one byte per pixel, HWC.
/// </summary>
public static class FashionMnist
{
    /// <summary>Environment variable naming a directory that holds the four IDX files.</summary>
    public const string EnvironmentVariable = "TINYMLOPS_FASHION_MNIST";

    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    public const int ImageSize = 28;
    public const int TrainCount = 60_000;
    public const int TestCount = 10_000;

    /// <summary>Size of the held-out part cut from the end of the training set.</summary>
    public const int DefaultHeldOut = 5_000;

    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The ten class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>The directory named by <see cref="EnvironmentVariable"/> when set, otherwise <see cref="DebianDirectory"/>.</summary>
    public static string DefaultDirectory => DirectoryFrom(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The directory for a given value of <see cref="EnvironmentVariable"/> (unset or blank: the Debian one).</summary>
    internal static string DirectoryFrom(string? environmentValue) =>
        string.IsNullOrWhiteSpace(environmentValue) ? DebianDirectory : environmentValue.Trim();

    /// <summary>True when all four files exist in <paramref name="directory"/> (default: <see cref="DefaultDirectory"/>).</summary>
    public static bool IsAvailable(string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        return File.Exists(Path.Combine(dir, TrainImagesFile)) && File.Exists(Path.Combine(dir, TrainLabelsFile))
            && File.Exists(Path.Combine(dir, TestImagesFile)) && File.Exists(Path.Combine(dir, TestLabelsFile));
    }

    /// <summary>The official 60,000 training images.</summary>
    public static ImageDataset LoadTrain(string? directory = null) =>
        LoadFiles(directory ?? DefaultDirectory, TrainImagesFile, TrainLabelsFile, "fashion-mnist-train");

    /// <summary>The official 10,000 test images.</summary>
    public static ImageDataset LoadTest(string? directory = null) =>
        LoadFiles(directory ?? DefaultDirectory, TestImagesFile, TestLabelsFile, "fashion-mnist-test");

    /// <summary>Training set split into train and held-out (its last <paramref name="heldOut"/> images), and the test set.</summary>
    public static FashionMnistSplits Load(string? directory = null, int heldOut = DefaultHeldOut)
    {
        string dir = directory ?? DefaultDirectory;
        (ImageDataset train, ImageDataset held) = LoadTrain(dir).SplitHeldOut(heldOut);
        return new FashionMnistSplits(train, held, LoadTest(dir));
    }

    /// <summary>Loads one images file and its labels file with the ten class names.</summary>
    public static ImageDataset LoadFiles(string directory, string imagesFile, string labelsFile, string name) =>
        IdxFiles.LoadFiles(directory, imagesFile, labelsFile, name, ClassNames,
            $"install Debian's dataset-fashion-mnist package or set {EnvironmentVariable} to a directory holding the Fashion-MNIST IDX files");

    /// <summary>Builds a dataset from already opened streams (gzip-compressed or plain IDX) with the ten class names.</summary>
    public static ImageDataset Read(Stream images, Stream labels, string name) => IdxFiles.Read(images, labels, name, ClassNames);
}
