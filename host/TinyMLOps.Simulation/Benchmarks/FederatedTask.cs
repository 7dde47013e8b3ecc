using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The fixed part of the federated benchmark: the int8 base model trained on the factory seed set, its trainable head,
/// and the head's int8 input features of every device and test image, computed once with the frozen extractor
/// (the int8 interpreter up to the head, as a device computes them when it stores a labelled sample).
/// </summary>
public sealed class FederatedTask
{
    private FederatedTask(Int8Model model, byte[] modelFile, TrainableHead head, sbyte[] deviceFeatures, byte[] deviceLabels, float[][] testFeatures, byte[] testLabels, double baseAccuracy, int factoryImages)
    {
        Model = model;
        ModelFile = modelFile;
        Head = head;
        DeviceFeatures = deviceFeatures;
        DeviceLabels = deviceLabels;
        TestFeatures = testFeatures;
        TestLabels = testLabels;
        BaseAccuracy = baseAccuracy;
        FactoryImages = factoryImages;
    }

    public Int8Model Model { get; }

    public byte[] ModelFile { get; }

    public TrainableHead Head { get; }

    /// <summary>The head's int8 input of every device image, back to back (FeatureLength bytes each).</summary>
    public sbyte[] DeviceFeatures { get; }

    public byte[] DeviceLabels { get; }

    public int DeviceCount => DeviceLabels.Length;

    /// <summary>The test images' head inputs, dequantized once for evaluation.</summary>
    public float[][] TestFeatures { get; }

    public byte[] TestLabels { get; }

    /// <summary>The whole int8 base model's accuracy on the test images (pixels in, the runtime end to end).</summary>
    public double BaseAccuracy { get; }

    public int FactoryImages { get; }

    public int ClassCount => Head.ClassCount;

    /// <summary>
    /// Trains <c>Mlp(hidden, hidden2)</c> with Adam on the first <see cref="FederatedBenchmarkOptions.FactoryImages"/>
    /// training images, quantizes it (calibrated on the same images), and extracts the head features of the device
    /// images (the next <see cref="FederatedBenchmarkOptions.DeviceImages"/>) and the test images.
    /// </summary>
    public static FederatedTask Build(ImageDataset train, ImageDataset test, FederatedBenchmarkOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.FactoryImages >= train.Count)
        {
            throw new ArgumentException($"{train.Count} training images leave none for the devices after {options.FactoryImages} factory images");
        }

        int deviceImages = options.DeviceImages == 0 ? train.Count - options.FactoryImages : Math.Min(options.DeviceImages, train.Count - options.FactoryImages);
        var factory = train.Slice(0, options.FactoryImages, "factory");
        var devices = train.Slice(options.FactoryImages, deviceImages, "devices");
        var testSet = options.TestImages == 0 ? test : test.Take(options.TestImages);

        progress?.Report($"training the base model mlp-{options.Hidden}-{options.Hidden2} on {factory.Count:N0} factory images ({options.BaseEpochs} epochs)");
        var floatModel = ModelZoo.Mlp(options.Hidden, options.Hidden2, labels: train.ClassNames, name: "fl-base", input: new TinyMLOps.Modelling.Float.TensorShape(train.Height, train.Width, train.Channels));
        Trainer.Train(floatModel, factory, ModelZoo.MlpTraining with { Epochs = options.BaseEpochs, Seed = options.Seed, MaxDegreeOfParallelism = options.MaxDegreeOfParallelism });
        Int8Model model = PostTrainingQuantizer.Quantize(floatModel, factory, new QuantizationOptions { VariantId = $"mlp-{options.Hidden}-{options.Hidden2}-int8", MaxDegreeOfParallelism = options.MaxDegreeOfParallelism });
        byte[] file = ModelWriter.Write(model);
        model = ModelReader.Read(file);
        var head = TrainableHead.Find(model, options.HeadLayers);
        double baseAccuracy = Evaluation.Evaluate(model, testSet, options.MaxDegreeOfParallelism).Accuracy;

        progress?.Report($"extracting head features of {devices.Count:N0} device and {testSet.Count:N0} test images");
        sbyte[] deviceFeatures = ExtractFeatures(file, head, devices, options.MaxDegreeOfParallelism);
        sbyte[] testRaw = ExtractFeatures(file, head, testSet, options.MaxDegreeOfParallelism);
        var testFeatures = new float[testSet.Count][];
        for (int i = 0; i < testFeatures.Length; i++)
        {
            testFeatures[i] = new float[head.FeatureLength];
            head.ReadFeatures(testRaw, i * head.FeatureLength, testFeatures[i]);
        }

        return new FederatedTask(model, file, head, deviceFeatures, [.. devices.Labels], testFeatures, [.. testSet.Labels], baseAccuracy, factory.Count);
    }

    /// <summary>
    /// The head's int8 input of every image: the interpreter runs operators [0, FirstOperator) and the head's input
    /// tensor is read from the arena, as the device's feature tap does. Workers decode their own model copy.
    /// </summary>
    public static sbyte[] ExtractFeatures(byte[] modelFile, TrainableHead head, ImageDataset images, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(images);
        int length = head.FeatureLength;
        var features = new sbyte[(long)images.Count * length];
        int workers = Math.Max(1, Math.Min(maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism, Math.Max(1, images.Count / 256)));
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var interpreter = new Interpreter(ModelReader.Read(modelFile));
            int offset = interpreter.Model.Operators[head.FirstOperator].InputOffset;
            int start = (int)((long)images.Count * w / workers);
            int end = (int)((long)images.Count * (w + 1) / workers);
            for (int i = start; i < end; i++)
            {
                interpreter.SetInputFromBytes(images.Pixels, i * images.PixelsPerImage);
                interpreter.InvokeRange(0, head.FirstOperator);
                Array.Copy(interpreter.Arena, offset, features, (long)i * length, length);
            }
        });
        return features;
    }

    /// <summary>The samples of one device (indexes into the device images) as the trainer reads them.</summary>
    public ISampleSet Samples(int[] indexes) => new CachedSamples(this, indexes);

    /// <summary>Top-1 accuracy of the float head <paramref name="tensors"/> on the cached test features (the device's forward pass).</summary>
    public double Accuracy(float[][] tensors, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        int n = TestLabels.Length;
        int workers = Math.Max(1, Math.Min(maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism, Math.Max(1, n / 500)));
        var correct = new int[workers];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var trainer = new HeadTrainer(Head);
            trainer.SetGlobal(tensors);
            int start = (int)((long)n * w / workers);
            int end = (int)((long)n * (w + 1) / workers);
            for (int i = start; i < end; i++)
            {
                if (trainer.Predict(TestFeatures[i]) == TestLabels[i])
                {
                    correct[w]++;
                }
            }
        });
        return correct.Sum() / (double)n;
    }

    /// <summary>
    /// A re-initialised head: Glorot-uniform weights, U(±√(6/(in + out))), seeded, and zero biases, so the rounds learn
    /// the head from scratch on top of the frozen extractor.
    /// </summary>
    public float[][] InitialHead(int seed)
    {
        var random = new Random(seed);
        float[][] tensors = Head.NewTensors();
        for (int l = 0; l < Head.LayerCount; l++)
        {
            double limit = Math.Sqrt(6.0 / (Head.Inputs(l) + Head.Outputs(l)));
            float[] w = tensors[2 * l];
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (float)(((2 * random.NextDouble()) - 1) * limit);
            }
        }

        return tensors;
    }

    /// <summary>The base model's own head, dequantized (what the rounds would start from without re-initialising).</summary>
    public float[][] BaseHead()
    {
        float[][] tensors = Head.NewTensors();
        Head.Dequantize(Model, tensors);
        return tensors;
    }

    private sealed class CachedSamples(FederatedTask task, int[] indexes) : ISampleSet
    {
        public int Count => indexes.Length;

        public int Label(int index) => task.DeviceLabels[indexes[index]];

        public void Features(int index, float[] output) => task.Head.ReadFeatures(task.DeviceFeatures, indexes[index] * task.Head.FeatureLength, output);
    }
}
