using Spectre.Console;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Variants;

namespace TinyMLOps.Console.Commands.Bench;

/// <summary>The int8 model the benchmarks measure when given none, and their test data: a task's built variant and its held-out set.</summary>
internal static class BenchModel
{
    /// <summary>Training samples and epochs of the variant built when no model is given: a quick build, not the figures.</summary>
    public const int TrainSamples = 20_000;

    public const int Epochs = 2;

    /// <summary>What the benchmark builds: the task's widest MLP (for the clothing images 784 → 128 → 10), else its first family member.</summary>
    public static VariantSpec Spec(TaskDefinition task) =>
        task.Family.Where(s => s.Architecture == "mlp").OrderByDescending(s => s.Width).FirstOrDefault() ?? task.Family[0];

    /// <summary>The given model file, else <see cref="Spec"/> built with `variant build`'s pipeline; with up to <paramref name="testSamples"/> held-out images.</summary>
    public static (byte[] File, ImageDataset Test) FileOrTaskVariant(IAnsiConsole console, TaskDefinition task, FileInfo? model, string? data, int testSamples)
    {
        TaskSplits splits = task.Load(new TaskLoadOptions { Data = data, TrainLimit = model == null ? TrainSamples : 0 });
        ImageDataset test = Images(task, splits.HeldOut).Take(testSamples);
        return (model != null ? File.ReadAllBytes(model.FullName) : Build(console, task, splits, Spec(task)), test);
    }

    /// <summary>Builds <paramref name="spec"/> of the task on its splits (the training split as loaded), with a line saying so.</summary>
    public static byte[] Build(IAnsiConsole console, TaskDefinition task, TaskSplits splits, VariantSpec spec)
    {
        console.WriteLine($"building {task.Id} {spec.Id} with `variant build`'s pipeline on {splits.Train.Count:N0} training {task.SampleNoun}, {Epochs} epochs");
        return VariantBuilder.Build(task, splits, Epochs, [spec])[0].File;
    }

    /// <summary>The set as images: these benchmarks feed camera frames.</summary>
    public static ImageDataset Images(TaskDefinition task, LabelledSet set) =>
        set as ImageDataset ?? throw new ArgumentException($"this benchmark feeds images; the {task.Id} task's data are not images");
}
