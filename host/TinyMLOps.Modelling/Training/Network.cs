using System.Numerics.Tensors;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;

namespace TinyMLOps.Modelling.Training;

/// <summary>
/// One worker's buffers: activations and their gradients for every layer, layer scratch, and the parameter
/// gradients it accumulates over its share of a batch.
/// </summary>
internal sealed class Workspace
{
    public Workspace(Network net, bool training)
    {
        int n = net.Layers.Length;
        Act = new float[n + 1][];
        Act[0] = new float[net.InputShape.Elements];
        Scratch = new LayerScratch[n];
        for (int i = 0; i < n; i++)
        {
            Act[i + 1] = new float[net.Layers[i].Out.Elements];
            Scratch[i] = net.Layers[i].CreateScratch();
        }

        Probabilities = new float[net.Classes];
        if (training)
        {
            Grad = new float[n + 1][];
            WeightGrads = new float[n][];
            BiasGrads = new float[n][];
            for (int i = 0; i <= n; i++)
            {
                Grad[i] = new float[i == 0 ? 0 : net.Layers[i - 1].Out.Elements];
            }

            for (int i = 0; i < n; i++)
            {
                WeightGrads[i] = new float[net.Layers[i].Weights?.Length ?? 0];
                BiasGrads[i] = new float[net.Layers[i].Bias?.Length ?? 0];
            }
        }
        else
        {
            Grad = [];
            WeightGrads = [];
            BiasGrads = [];
        }
    }

    /// <summary>Act[0] is the input (CHW), Act[i + 1] the output of trainable layer i.</summary>
    public float[][] Act { get; }

    public float[][] Grad { get; }

    public LayerScratch[] Scratch { get; }

    public float[][] WeightGrads { get; }

    public float[][] BiasGrads { get; }

    public float[] Probabilities { get; }

    public double LossSum { get; set; }

    public int Correct { get; set; }

    public int Samples { get; set; }

    public void ResetGradients()
    {
        foreach (float[] g in WeightGrads)
        {
            Array.Clear(g);
        }

        foreach (float[] g in BiasGrads)
        {
            Array.Clear(g);
        }

        LossSum = 0;
        Correct = 0;
        Samples = 0;
    }
}

/// <summary>
/// A <see cref="FloatModel"/> compiled for training: its layers as <see cref="TrainLayer"/>s. A final
/// <see cref="SoftmaxLayer"/> is folded into the softmax cross-entropy loss; a model without one is trained
/// on its outputs as logits. Softmax anywhere else is not supported.
/// </summary>
internal sealed class Network
{
    public Network(FloatModel model)
    {
        Model = model;
        if (!model.IsChain)
        {
            throw new NotSupportedException("the trainer runs chains of layers; this model is a graph");
        }

        int count = model.Layers.Count;
        EndsWithSoftmax = count > 0 && model.Layers[^1] is SoftmaxLayer;
        int trainable = EndsWithSoftmax ? count - 1 : count;
        if (trainable == 0)
        {
            throw new NotSupportedException("the model has no layer to train");
        }

        var layers = new TrainLayer[trainable];
        for (int i = 0; i < trainable; i++)
        {
            FloatLayer layer = model.Layers[i];
            if (layer is SoftmaxLayer)
            {
                throw new NotSupportedException($"layer {i}: the trainer supports Softmax only as the final layer");
            }

            layers[i] = TrainLayer.Create(layer, model.Shapes[i], model.Shapes[i + 1]);
        }

        Layers = layers;
        TensorShape logits = model.Shapes[trainable];
        if (logits.H != 1 || logits.W != 1)
        {
            throw new NotSupportedException($"the trainer needs a flat output (1x1xC), the model outputs {logits}");
        }

        Classes = logits.C;
    }

    public FloatModel Model { get; }

    public TrainLayer[] Layers { get; }

    public bool EndsWithSoftmax { get; }

    public int Classes { get; }

    public TensorShape InputShape => Model.Input;

    public Workspace CreateWorkspace(bool training) => new(this, training);

    /// <summary>Loads 8-bit HWC pixels (v / 255) into the workspace input.</summary>
    public void LoadInput(Workspace ws, ReadOnlySpan<byte> pixels)
    {
        float[] dst = ws.Act[0];
        TensorShape s = InputShape;
        if (s.C == 1 || s.H * s.W == 1)
        {
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = pixels[i] / 255f;
            }

            return;
        }

        int plane = s.H * s.W;
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < s.C; c++)
            {
                dst[(c * plane) + p] = pixels[(p * s.C) + c] / 255f;
            }
        }
    }

    /// <summary>Loads an HWC float input into the workspace.</summary>
    public void LoadInput(Workspace ws, ReadOnlySpan<float> input) => Trainer.HwcToChw(input, InputShape, ws.Act[0]);

    /// <summary>Sample <paramref name="index"/> of <paramref name="data"/>: pixels through the pixel path, other sets' float input as it is.</summary>
    public void LoadInput(Workspace ws, LabelledSet data, int index)
    {
        switch (data)
        {
            case ImageDataset images:
                LoadInput(ws, images.Image(index));
                break;
            case SignalSet signals:
                LoadInput(ws, signals.Features(index));
                break;
            default:
                LoadInput(ws, data.GetInput(index));
                break;
        }
    }

    /// <summary>Runs every trainable layer; returns the logits (the last trainable layer's output).</summary>
    public float[] Forward(Workspace ws)
    {
        for (int i = 0; i < Layers.Length; i++)
        {
            Layers[i].Forward(ws.Act[i], ws.Act[i + 1], ws.Scratch[i]);
        }

        return ws.Act[^1];
    }

    /// <summary>Index of the largest logit (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Forward, softmax cross-entropy against <paramref name="label"/>, and backward, adding the parameter
    /// gradients to the workspace. Returns the loss.
    /// </summary>
    public double TrainSample(Workspace ws, int label)
    {
        float[] logits = Forward(ws);
        if ((uint)label >= (uint)Classes)
        {
            throw new ArgumentOutOfRangeException(nameof(label), $"label {label} outside 0..{Classes - 1}");
        }

        double loss = SoftmaxCrossEntropy(logits, label, ws.Probabilities);
        ws.LossSum += loss;
        ws.Samples++;
        if (ArgMax(logits) == label)
        {
            ws.Correct++;
        }

        // d(loss)/d(logits) = p - onehot(label).
        float[] top = ws.Grad[^1];
        ws.Probabilities.CopyTo(top, 0);
        top[label] -= 1f;
        Backward(ws);
        return loss;
    }

    /// <summary>
    /// Forward, mean squared error between the output and the input (an autoencoder's reconstruction), and backward,
    /// adding the parameter gradients to the workspace. Returns the loss.
    /// </summary>
    public double TrainReconstruction(Workspace ws)
    {
        float[] output = Forward(ws);
        float[] target = ws.Act[0];
        float[] top = ws.Grad[^1];
        int n = output.Length;
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            float d = output[i] - target[i];
            loss += d * d;
            top[i] = 2f * d / n;
        }

        loss /= n;
        ws.LossSum += loss;
        ws.Samples++;
        Backward(ws);
        return loss;
    }

    private void Backward(Workspace ws)
    {
        for (int i = Layers.Length - 1; i >= 0; i--)
        {
            Span<float> dx = i == 0 ? Span<float>.Empty : ws.Grad[i];
            Layers[i].Backward(ws.Act[i], ws.Act[i + 1], ws.Grad[i + 1], dx, ws.WeightGrads[i], ws.BiasGrads[i], ws.Scratch[i]);
        }
    }

    /// <summary>Softmax of <paramref name="logits"/> into <paramref name="probabilities"/>; returns -log p[label].</summary>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int label, Span<float> probabilities)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            sum += Math.Exp(logits[i] - max);
        }

        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = (float)(Math.Exp(logits[i] - max) / sum);
        }

        return Math.Log(sum) - (logits[label] - max);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every sample of <paramref name="data"/> (after <see cref="LoadInput(Workspace, ReadOnlySpan{byte})"/>
    /// and <see cref="Forward"/>) on up to <paramref name="parallelism"/> workers, each over a contiguous
    /// range with its own workspace; <paramref name="perWorker"/> creates each worker's state and
    /// <paramref name="combine"/> receives the states in range order.
    /// </summary>
    public void ForEachForward<TState>(LabelledSet data, int parallelism, Func<TState> perWorker, Action<Workspace, int, float[], TState> body, Action<TState> combine)
    {
        int workers = Math.Max(1, Math.Min(parallelism <= 0 ? Environment.ProcessorCount : parallelism, Math.Max(1, data.Count / 64)));
        var states = new TState[workers];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            Workspace ws = CreateWorkspace(training: false);
            TState state = perWorker();
            int start = (int)((long)data.Count * w / workers);
            int end = (int)((long)data.Count * (w + 1) / workers);
            for (int i = start; i < end; i++)
            {
                LoadInput(ws, data, i);
                float[] logits = Forward(ws);
                body(ws, i, logits, state);
            }

            states[w] = state;
        });

        foreach (TState s in states)
        {
            combine(s);
        }
    }
}
