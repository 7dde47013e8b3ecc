using Spectre.Console;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>The int8 model `bench seal` and `bench signals` measure, and their test images.</summary>
internal static class BenchModel
{
    /// <summary>The given model file, else fashion-mlp (784 → 128 → 10) built with `variant build`'s pipeline on 20,000 images, 2 epochs.</summary>
    public static (byte[] File, ImageDataset Test) FileOrFashionMlp(IAnsiConsole console, FileInfo? model, string? data, int testImages)
    {
        if (model != null)
        {
            return (File.ReadAllBytes(model.FullName), FashionMnist.LoadTest(data).Take(testImages));
        }

        console.WriteLine("building fashion-mlp (784 → 128 → 10) on 20,000 training images, 2 epochs");
        var splits = FashionMnist.Load(data);
        byte[] file = VariantBuilder.Build([new VariantSpec("fashion-mlp", "mlp", 1.0)], splits.Train.Take(20_000), splits.HeldOut.Slice(0, 1000), splits.HeldOut.Slice(1000, 2000), 2, "fashion")[0].File;
        return (file, splits.Test.Take(testImages));
    }
}
