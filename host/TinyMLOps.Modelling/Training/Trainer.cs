using System.Diagnostics;
using System.Numerics.Tensors;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;

namespace TinyMLOps.Modelling.Training;

/// <summary>
/// Mini-batch Adam trainer for sequential <see cref="FloatModel"/>s with softmax cross-entropy loss. Samples
/// of a batch run in parallel over fixed partitions with per-partition gradient buffers summed in a fixed
/// order, so a run is reproducible from its seed on a given machine whatever the core count.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> in place on <paramref name="train"/> (images of the model's input shape,
    /// pixels v / 255). Reports progress every <see cref="TrainingOptions.ReportEveryBatches"/> batches and at
    /// every epoch end (with the accuracy on <paramref name="validation"/> when given).
    /// </summary>
    public static TrainingResult Train(
        FloatModel model,
        LabelledSet train,
        TrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null,
        LabelledSet? validation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TrainingOptions();
        options.Validate();
        var net = new Network(model);
        CheckData(net, train);
        bool reconstruct = options.Loss == TrainingLoss.Reconstruction;
        if (reconstruct && net.Classes != net.InputShape.Elements)
        {
            throw new ArgumentException($"reconstruction training needs the output to match the input: {net.Classes} outputs for {net.InputShape.Elements} inputs");
        }

        if (validation != null)
        {
            CheckData(net, validation);
        }

        if (train.Count == 0)
        {
            throw new ArgumentException("the training set is empty", nameof(train));
        }

        if (options.InitializeWeights)
        {
            InitializeWeights(model, options.Seed);
        }

        var clock = Stopwatch.StartNew();
        var rng = new Random(options.Seed ^ 0x5EED);
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batches = (train.Count + batchSize - 1) / batchSize;
        int partitions = Math.Min(options.GradientPartitions, batchSize);
        var workspaces = new Workspace[partitions];
        for (int p = 0; p < partitions; p++)
        {
            workspaces[p] = net.CreateWorkspace(training: true);
        }

        var adam = new Adam(net, options);
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : options.MaxDegreeOfParallelism,
            CancellationToken = cancellationToken,
        };
        var epochs = new List<EpochSummary>();
        float lr = options.LearningRate;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            Shuffle(order, rng);
            double lossSum = 0;
            int correct = 0;
            int seen = 0;
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int start = b * batchSize;
                int count = Math.Min(batchSize, train.Count - start);
                int parts = Math.Min(partitions, count);
                Parallel.For(0, parts, parallel, p =>
                {
                    Workspace ws = workspaces[p];
                    ws.ResetGradients();
                    int from = start + (int)((long)count * p / parts);
                    int to = start + (int)((long)count * (p + 1) / parts);
                    for (int i = from; i < to; i++)
                    {
                        int sample = order[i];
                        net.LoadInput(ws, train, sample);
                        if (reconstruct)
                        {
                            net.TrainReconstruction(ws);
                        }
                        else
                        {
                            net.TrainSample(ws, train.Label(sample));
                        }
                    }
                });

                // Fixed-order reduction into partition 0.
                Workspace total = workspaces[0];
                for (int p = 1; p < parts; p++)
                {
                    Workspace ws = workspaces[p];
                    for (int l = 0; l < net.Layers.Length; l++)
                    {
                        TensorPrimitives.Add(total.WeightGrads[l], ws.WeightGrads[l], total.WeightGrads[l]);
                        TensorPrimitives.Add(total.BiasGrads[l], ws.BiasGrads[l], total.BiasGrads[l]);
                    }

                    total.LossSum += ws.LossSum;
                    total.Correct += ws.Correct;
                }

                adam.Step(total, count, lr);
                lossSum += total.LossSum;
                correct += total.Correct;
                seen += count;
                if (progress != null && (b + 1) % options.ReportEveryBatches == 0 && b + 1 < batches)
                {
                    progress.Report(new TrainingProgress(epoch, options.Epochs, b + 1, batches, lossSum / seen, (double)correct / seen, clock.Elapsed));
                }
            }

            double? valAcc = validation == null || reconstruct ? null : Accuracy(model, validation, options.MaxDegreeOfParallelism);
            epochs.Add(new EpochSummary(epoch, lossSum / seen, (double)correct / seen, valAcc, lr, clock.Elapsed));
            progress?.Report(new TrainingProgress(epoch, options.Epochs, batches, batches, lossSum / seen, (double)correct / seen, clock.Elapsed, EpochCompleted: true, valAcc));
            lr *= options.LearningRateDecay;
        }

        return new TrainingResult(epochs, clock.Elapsed, train.Count);
    }

    /// <summary>
    /// Seeded He-normal initialisation (std = sqrt(2 / fan-in)) of every weight, zero biases. Layers are
    /// filled in order from one generator, so the result depends on the seed and the architecture only.
    /// </summary>
    public static void InitializeWeights(FloatModel model, int seed)
    {
        var net = new Network(model);
        var rng = new Random(seed);
        foreach (TrainLayer layer in net.Layers)
        {
            if (layer.Weights is { } w)
            {
                double std = Math.Sqrt(2.0 / Math.Max(1, layer.FanIn));
                for (int i = 0; i < w.Length; i++)
                {
                    w[i] = (float)(std * NextGaussian(rng));
                }
            }

            if (layer.Bias is { } b)
            {
                Array.Clear(b);
            }
        }
    }

    /// <summary>Top-1 accuracy (0..1) of a float model on a dataset, with the trainer's fast forward pass.</summary>
    public static double Accuracy(FloatModel model, LabelledSet data, int maxDegreeOfParallelism = -1)
    {
        var net = new Network(model);
        CheckData(net, data);
        if (data.Count == 0)
        {
            return 0;
        }

        int correct = 0;
        net.ForEachForward(
            data,
            maxDegreeOfParallelism,
            () => new int[1],
            (_, i, logits, c) => c[0] += Network.ArgMax(logits) == data.Label(i) ? 1 : 0,
            c => correct += c[0]);
        return (double)correct / data.Count;
    }

    /// <summary>Mean softmax cross-entropy loss and the gradients of every weight and bias (layer order; empty for layers without) over the given samples, in one thread.</summary>
    internal static double LossAndGradients(FloatModel model, IReadOnlyList<float[]> inputs, IReadOnlyList<int> labels, out float[][] weightGrads, out float[][] biasGrads)
    {
        var net = new Network(model);
        Workspace ws = net.CreateWorkspace(training: true);
        ws.ResetGradients();
        for (int i = 0; i < inputs.Count; i++)
        {
            net.LoadInput(ws, inputs[i]);
            net.TrainSample(ws, labels[i]);
        }

        int n = inputs.Count;
        weightGrads = new float[model.Layers.Count][];
        biasGrads = new float[model.Layers.Count][];
        for (int l = 0; l < model.Layers.Count; l++)
        {
            weightGrads[l] = l < net.Layers.Length ? ws.WeightGrads[l].Select(g => g / n).ToArray() : [];
            biasGrads[l] = l < net.Layers.Length ? ws.BiasGrads[l].Select(g => g / n).ToArray() : [];
        }

        return ws.LossSum / n;
    }

    /// <summary>Class probabilities (softmax of the logits) from the trainer's forward pass, for one HWC input.</summary>
    internal static float[] Probabilities(FloatModel model, float[] input)
    {
        var net = new Network(model);
        Workspace ws = net.CreateWorkspace(training: false);
        net.LoadInput(ws, input);
        var p = new float[net.Classes];
        Network.SoftmaxCrossEntropy(net.Forward(ws), 0, p);
        return p;
    }

    /// <summary>Mean softmax cross-entropy loss of the model on the given samples, computed with the trainer's forward pass.</summary>
    internal static double Loss(FloatModel model, IReadOnlyList<float[]> inputs, IReadOnlyList<int> labels)
    {
        var net = new Network(model);
        Workspace ws = net.CreateWorkspace(training: false);
        double sum = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            net.LoadInput(ws, inputs[i]);
            sum += Network.SoftmaxCrossEntropy(net.Forward(ws), labels[i], ws.Probabilities);
        }

        return sum / inputs.Count;
    }

    internal static void HwcToChw(ReadOnlySpan<float> hwc, TensorShape s, Span<float> chw)
    {
        if (s.C == 1 || s.H * s.W == 1)
        {
            hwc[..s.Elements].CopyTo(chw);
            return;
        }

        int plane = s.H * s.W;
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < s.C; c++)
            {
                chw[(c * plane) + p] = hwc[(p * s.C) + c];
            }
        }
    }

    internal static void ChwToHwc(ReadOnlySpan<float> chw, TensorShape s, Span<float> hwc)
    {
        if (s.C == 1 || s.H * s.W == 1)
        {
            chw[..s.Elements].CopyTo(hwc);
            return;
        }

        int plane = s.H * s.W;
        for (int c = 0; c < s.C; c++)
        {
            for (int p = 0; p < plane; p++)
            {
                hwc[(p * s.C) + c] = chw[(c * plane) + p];
            }
        }
    }

    private static void CheckData(Network net, LabelledSet data)
    {
        TensorShape s = net.InputShape;
        if (data.Height != s.H || data.Width != s.W || data.Channels != s.C)
        {
            throw new ArgumentException($"{data.Name} holds {data.Height}x{data.Width}x{data.Channels} inputs, the model takes {s}");
        }

        if (data.ClassCount > net.Classes)
        {
            throw new ArgumentException($"{data.Name} has {data.ClassCount} classes, the model outputs {net.Classes}");
        }
    }

    private static void Shuffle(int[] order, Random rng)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    private static double NextGaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1] so the log is finite.
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Adam (AdamW when weight decay is set) over every weight and bias array of the network.</summary>
    private sealed class Adam
    {
        private readonly Network _net;
        private readonly TrainingOptions _o;
        private readonly float[][] _mW;
        private readonly float[][] _vW;
        private readonly float[][] _mB;
        private readonly float[][] _vB;
        private int _t;

        public Adam(Network net, TrainingOptions options)
        {
            _net = net;
            _o = options;
            int n = net.Layers.Length;
            _mW = new float[n][];
            _vW = new float[n][];
            _mB = new float[n][];
            _vB = new float[n][];
            for (int l = 0; l < n; l++)
            {
                _mW[l] = new float[net.Layers[l].Weights?.Length ?? 0];
                _vW[l] = new float[_mW[l].Length];
                _mB[l] = new float[net.Layers[l].Bias?.Length ?? 0];
                _vB[l] = new float[_mB[l].Length];
            }
        }

        public void Step(Workspace grads, int batchCount, float lr)
        {
            _t++;
            double b1 = _o.Beta1;
            double b2 = _o.Beta2;
            float stepSize = (float)(lr * Math.Sqrt(1 - Math.Pow(b2, _t)) / (1 - Math.Pow(b1, _t)));
            float scale = 1f / batchCount;
            for (int l = 0; l < _net.Layers.Length; l++)
            {
                TrainLayer layer = _net.Layers[l];
                if (layer.Weights is { } w)
                {
                    Update(w, grads.WeightGrads[l], _mW[l], _vW[l], scale, stepSize, lr * _o.WeightDecay);
                }

                if (layer.Bias is { } b)
                {
                    Update(b, grads.BiasGrads[l], _mB[l], _vB[l], scale, stepSize, 0f);
                }
            }
        }

        private void Update(float[] p, float[] g, float[] m, float[] v, float scale, float stepSize, float decay)
        {
            float b1 = _o.Beta1;
            float b2 = _o.Beta2;
            float eps = _o.Epsilon;
            for (int i = 0; i < p.Length; i++)
            {
                float gi = g[i] * scale;
                m[i] = (b1 * m[i]) + ((1 - b1) * gi);
                v[i] = (b2 * v[i]) + ((1 - b2) * gi * gi);
                p[i] -= (stepSize * m[i] / (MathF.Sqrt(v[i]) + eps)) + (decay * p[i]);
            }
        }
    }
}
