using System.Globalization;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Federated;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The federated learning benchmark of issue 7, seeded and reproducible. A base MLP is trained and quantized on a factory
/// seed set; its last dense layers (the head) are re-initialised and learnt by federated rounds over devices that hold
/// the rest of the training images, split by a Dirichlet(α) label distribution. Per α, our update (clipped, top-k int8
/// with error feedback) runs beside the Flower baseline (float32 weights as .npy arrays), both with sample-weighted
/// FedAvg; at the poisoning α, FedAvg and the robust strategies run clean and with a fixed tenth of the devices sending
/// sign-flipped, scaled updates. The references, measured in the same run: the same head trained centrally on every
/// device sample, and the base model's own accuracy. See docs/benchmarks.md.
/// </summary>
public static class FederatedBenchmark
{
    /// <summary>The runs, in the order they execute.</summary>
    public static IReadOnlyList<FederatedRunSpec> Plan(FederatedBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var runs = new List<FederatedRunSpec>();
        foreach (double alpha in options.Alphas)
        {
            runs.Add(new FederatedRunSpec($"α={Format(alpha)} ours", alpha, UpdateEncoding.Int8TopK, FederatedRunSpec.FedAvg, false));
            runs.Add(new FederatedRunSpec($"α={Format(alpha)} Flower", alpha, UpdateEncoding.FlowerFloat32, FederatedRunSpec.FedAvg, false));
        }

        if (options.PoisonFraction > 0)
        {
            string a = Format(options.PoisonAlpha);
            if (!options.Alphas.Contains(options.PoisonAlpha))
            {
                runs.Add(new FederatedRunSpec($"α={a} ours", options.PoisonAlpha, UpdateEncoding.Int8TopK, FederatedRunSpec.FedAvg, false));
            }

            runs.Add(new FederatedRunSpec($"α={a} FedAvg poisoned", options.PoisonAlpha, UpdateEncoding.Int8TopK, FederatedRunSpec.FedAvg, true));
            List<string> robust = [FederatedRunSpec.TrimmedMean];
            if (options.IncludeMedian)
            {
                robust.Add(FederatedRunSpec.FedMedian);
            }

            foreach (string s in robust)
            {
                runs.Add(new FederatedRunSpec($"α={a} {s}", options.PoisonAlpha, UpdateEncoding.Int8TopK, s, false));
                runs.Add(new FederatedRunSpec($"α={a} {s} poisoned", options.PoisonAlpha, UpdateEncoding.Int8TopK, s, true));
            }
        }

        return runs;
    }

    /// <summary>Loads nothing itself: pass the official training images (60,000, in file order) and the test images.</summary>
    public static FederatedBenchmarkReport Run(
        ImageDataset train,
        ImageDataset test,
        FederatedBenchmarkOptions options,
        IProgress<string>? stages = null,
        IProgress<FederatedProgress>? rounds = null,
        IEnumerable<BoardProfile>? boards = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        FederatedTask task = FederatedTask.Build(train, test, options, stages);
        float[][] initial = InitialHead(task, options);
        bool[] poisoners = FederatedRun.Poisoners(options);

        var partitions = new Dictionary<double, int[][]>();
        var splits = new List<FederatedSplitStats>();
        foreach (double alpha in options.Alphas.Append(options.PoisonAlpha).Distinct())
        {
            int[][] parts = Partition(task, options, alpha);
            partitions[alpha] = parts;
            int[] sizes = [.. parts.Select(p => p.Length).Order()];
            splits.Add(new FederatedSplitStats(alpha, sizes[0], sizes[sizes.Length / 2], sizes[^1], DirichletSplit.MaxClassShares(parts, task.DeviceLabels, task.ClassCount).Average()));
        }

        stages?.Report($"centralized reference: {task.DeviceCount:N0} samples, {options.CentralizedEpochs} epochs");
        FederatedCentralized centralized = Centralized(task, initial, options);

        var results = new List<FederatedRunResult>();
        foreach (FederatedRunSpec spec in Plan(options))
        {
            stages?.Report($"run {spec.Name}");
            results.Add(FederatedRun.Run(task, partitions[spec.Alpha], poisoners, initial, spec, options, rounds));
        }

        int maxSamples = partitions.Values.SelectMany(p => p).Max(p => p.Length);
        if (options.MaxSamplesPerRound > 0)
        {
            maxSamples = Math.Min(maxSamples, options.MaxSamplesPerRound);
        }

        var heads = new List<TrainableHead> { task.Head };
        if (task.Head.LayerCount > 1)
        {
            heads.Add(TrainableHead.Find(task.Model, 1));
        }

        IReadOnlyList<FederatedRamLine> ram = FederatedRam.Table(boards ?? BoardCatalog.Default.All, heads, maxSamples, options.LocalEpochs, options.KeepFraction, task.Model.VariantId, options.Seed);
        string shape = string.Join(" → ", Enumerable.Range(0, task.Head.LayerCount).Select(l => $"{task.Head.Inputs(l)}").Append($"{task.Head.ClassCount}"));
        return new FederatedBenchmarkReport(
            options,
            task.Model.VariantId,
            task.Head.ParameterCount,
            shape,
            task.DeviceCount,
            task.TestLabels.Length,
            task.FactoryImages,
            task.BaseAccuracy,
            task.Accuracy(task.BaseHead(), options.MaxDegreeOfParallelism),
            task.Accuracy(initial, options.MaxDegreeOfParallelism),
            splits,
            results,
            centralized,
            ram,
            Int8Lines(train, test, task, options, results),
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Each α's final head of our run, re-quantized by <see cref="HeadQuantizer"/> (calibrated on the factory images) and
    /// scored as the whole int8 network on the test images: the accuracy a device gets from the released variant.
    /// </summary>
    public static IReadOnlyList<FederatedInt8Line> Int8Lines(ImageDataset train, ImageDataset test, FederatedTask task, FederatedBenchmarkOptions options, IReadOnlyList<FederatedRunResult> results)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        var factory = train.Slice(0, options.FactoryImages, "factory");
        var testSet = options.TestImages == 0 ? test : test.Take(options.TestImages);
        var lines = new List<FederatedInt8Line>();
        foreach (double alpha in options.Alphas)
        {
            var ours = results.First(r => r.Spec.Alpha == alpha && r.Spec.Encoding == UpdateEncoding.Int8TopK && r.Spec.Strategy == FederatedRunSpec.FedAvg && !r.Spec.Poisoned);
            var q = HeadQuantizer.Requantize(task.Model, task.Head, ours.FinalGlobal, factory, $"{task.Model.VariantId}+fl", Math.Min(HeadQuantizer.DefaultCalibrationSamples, factory.Count));
            double int8 = Evaluation.Evaluate(q.Model, testSet, options.MaxDegreeOfParallelism).Accuracy;
            lines.Add(new FederatedInt8Line(alpha, task.Accuracy(ours.FinalGlobal, options.MaxDegreeOfParallelism), int8, q.File.Length));
        }

        return lines;
    }

    /// <summary>The run's starting head, the same for every run and the centralized reference.</summary>
    public static float[][] InitialHead(FederatedTask task, FederatedBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        return task.InitialHead(FederatedRun.Mix(options.Seed, -3, 0));
    }

    /// <summary>The device images split over the devices by Dirichlet(α), seeded by the options' seed and α.</summary>
    public static int[][] Partition(FederatedTask task, FederatedBenchmarkOptions options, double alpha)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        return DirichletSplit.Partition(task.DeviceLabels, task.ClassCount, options.Devices, alpha, FederatedRun.Mix(options.Seed, -4, (int)Math.Round(alpha * 1000)), options.MinSamplesPerDevice);
    }

    /// <summary>
    /// The centralized reference: one <see cref="HeadTrainer"/> from the same initial head over every device sample, with
    /// the rounds' batch and learning rate, the rate decayed per epoch; the test accuracy after every epoch.
    /// </summary>
    public static FederatedCentralized Centralized(FederatedTask task, float[][] initial, FederatedBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trainer = new HeadTrainer(task.Head);
        trainer.SetGlobal(initial);
        ISampleSet all = task.Samples([.. Enumerable.Range(0, task.DeviceCount)]);
        var random = new Random(FederatedRun.Mix(options.Seed, -5, 0));
        var accuracy = new List<double>();
        float lr = options.LearningRate;
        for (int epoch = 0; epoch < options.CentralizedEpochs; epoch++)
        {
            trainer.Train(all, new TrainingParams { Epochs = 1, BatchSize = options.BatchSize, LearningRate = lr }, random);
            accuracy.Add(task.Accuracy(trainer.Weights, options.MaxDegreeOfParallelism));
            lr *= options.CentralizedDecay;
        }

        return new FederatedCentralized(accuracy, task.DeviceCount, clock.Elapsed.TotalSeconds);
    }

    private static string Format(double alpha) => alpha.ToString("0.###", CultureInfo.InvariantCulture);
}
