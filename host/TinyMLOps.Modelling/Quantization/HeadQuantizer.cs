using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>A re-quantized model and its encoded file (the bytes its <see cref="Int8Model.ContentHash"/> covers).</summary>
/// <param name="Model">The new model, decoded from <paramref name="File"/> (its weights live in those bytes).</param>
/// <param name="File">The model file as <see cref="ModelWriter"/> wrote it.</param>
public sealed record HeadQuantizationResult(Int8Model Model, byte[] File);

/// <summary>
/// Puts new float head tensors (from a federated round) back into an int8 model. The frozen feature extractor and the
/// input quantization are copied byte for byte, so features a device stored stay valid
/// (<see cref="TrainableHead.ExtractorFingerprint"/> is unchanged). The head is quantized the way
/// <see cref="PostTrainingQuantizer"/> quantizes dense layers, whose functions it calls: per-channel symmetric int8
/// weights, int32 biases at inScale·wScale, output ranges calibrated by running the int8 extractor on calibration images
/// and the float head on its dequantized features, and the logit floor before a softmax.
/// </summary>
public static class HeadQuantizer
{
    public const int DefaultCalibrationSamples = 2000;

    /// <summary>
    /// The model with its head replaced by <paramref name="tensors"/> (weights then bias per layer, as
    /// <see cref="TrainableHead.TensorName"/> orders them). Model id, labels and drift profile are kept; the variant id
    /// becomes <paramref name="variantId"/> when given. <paramref name="baseModel"/> is not changed.
    /// </summary>
    /// <exception cref="ArgumentException">The head does not fit the model, the tensors do not fit the head or hold
    /// non-finite values, or the calibration images do not fit the model.</exception>
    public static HeadQuantizationResult Requantize(
        Int8Model baseModel,
        TrainableHead head,
        float[][] tensors,
        LabelledSet calibration,
        string? variantId = null,
        int calibrationSamples = DefaultCalibrationSamples)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(calibration);
        head.CheckTensors(tensors);
        CheckFinite(head, tensors);
        CheckHeadFits(baseModel, head);
        calibration.CheckShape(baseModel.InputH, baseModel.InputW, baseModel.InputC);

        if (calibrationSamples < 1 || calibration.Count == 0)
        {
            throw new ArgumentException("calibration needs at least one image", nameof(calibration));
        }

        // A private decoded copy: the frozen operators are taken from it unchanged, and the base model is never touched.
        byte[] baseFile = ModelWriter.Write(baseModel);
        Int8Model copy = ModelReader.Read(baseFile);
        CalibrationStats stats = Calibrate(baseFile, head, tensors, calibration.Take(calibrationSamples));

        int first = head.FirstOperator;
        int layers = head.LayerCount;
        Operator[] ops = new Operator[copy.Operators.Length];
        Array.Copy(copy.Operators, ops, first);
        bool softmaxAfter = first + layers < ops.Length;
        var current = new QuantParams(copy.Operators[first].InScale, copy.Operators[first].InZeroPoint);
        for (int l = 0; l < layers; l++)
        {
            var old = (FullyConnected)copy.Operators[first + l];
            QuantParams output = l == layers - 1 && softmaxAfter
                ? PostTrainingQuantizer.ChooseActivationParams(PostTrainingQuantizer.LogitFloor(stats, l, head.Outputs(l)), stats.LayerMax[l])
                : PostTrainingQuantizer.ChooseActivationParams(stats.LayerMin[l], stats.LayerMax[l]);
            ops[first + l] = QuantizeLayer(old, tensors[2 * l], tensors[(2 * l) + 1], current, output);
            current = output;
        }

        if (softmaxAfter)
        {
            // Softmax has no parameters and a fixed output; linking gives it the last layer's output as its input.
            ops[first + layers] = copy.Operators[first + layers];
        }

        var result = new Int8Model
        {
            ModelId = copy.ModelId,
            VariantId = variantId ?? copy.VariantId,
            InputH = copy.InputH,
            InputW = copy.InputW,
            InputC = copy.InputC,
            InputScale = copy.InputScale,
            InputZeroPoint = copy.InputZeroPoint,
            Labels = copy.Labels,
            Operators = ops,
            DriftProfile = copy.DriftProfile,

            // The candidate takes the same raw input as the base model: its front-end goes with it.
            FrontEnd = copy.FrontEnd,
        };
        byte[] file = ModelWriter.Write(result);
        return new HeadQuantizationResult(ModelReader.Read(file), file);
    }

    /// <summary>
    /// Output ranges of every head layer: the int8 extractor runs on each image (in parallel over private copies of the
    /// model), its output is dequantized and the float head runs on it with each layer's fused activation.
    /// </summary>
    private static CalibrationStats Calibrate(byte[] baseFile, TrainableHead head, float[][] tensors, LabelledSet data)
    {
        int layers = head.LayerCount;
        int workers = Math.Max(1, Math.Min(Environment.ProcessorCount, data.Count / 64));
        var parts = new CalibrationStats[workers];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            // Operators hold their arena offsets, so every worker runs its own decoded copy.
            Int8Model model = ModelReader.Read(baseFile);
            var interpreter = new Interpreter(model);
            int featuresAt = model.Operators[head.FirstOperator].InputOffset;
            var act = new float[layers + 1][];
            act[0] = new float[head.FeatureLength];
            for (int l = 0; l < layers; l++)
            {
                act[l + 1] = new float[head.Outputs(l)];
            }

            var stats = new CalibrationStats(layers);
            int start = (int)((long)data.Count * w / workers);
            int end = (int)((long)data.Count * (w + 1) / workers);
            var scratch = new sbyte[model.InputElements];
            for (int i = start; i < end; i++)
            {
                data.SetModelInput(interpreter, i, scratch);
                interpreter.InvokeRange(0, head.FirstOperator);
                head.ReadFeatures(interpreter.Arena, featuresAt, act[0]);
                for (int l = 0; l < layers; l++)
                {
                    Dense(act[l], tensors[2 * l], tensors[(2 * l) + 1], head.LayerActivation(l), act[l + 1]);
                    stats.Observe(l, act[l + 1]);
                }

                stats.Samples++;
            }

            parts[w] = stats;
        });

        var total = new CalibrationStats(layers);
        foreach (CalibrationStats part in parts)
        {
            total.Include(part);
        }

        return total;
    }

    /// <summary>output = activation(W·input + b), W row-major [out][in], with the kernel's ReLU and ReLU6.</summary>
    private static void Dense(float[] input, float[] weights, float[] bias, int activation, float[] output)
    {
        int inputs = input.Length;
        for (int o = 0; o < output.Length; o++)
        {
            float sum = bias[o] + System.Numerics.Tensors.TensorPrimitives.Dot<float>(weights.AsSpan(o * inputs, inputs), input);
            if (activation == Activation.Relu || activation == Activation.Relu6)
            {
                sum = Math.Max(sum, 0f);
            }

            if (activation == Activation.Relu6)
            {
                sum = Math.Min(sum, 6f);
            }

            output[o] = sum;
        }
    }

    private static FullyConnected QuantizeLayer(FullyConnected old, float[] weights, float[] bias, QuantParams input, QuantParams output)
    {
        int n = old.InC;

        // An all-zero channel gets accumulator scale outScale / 256, as PostTrainingQuantizer gives it.
        float zeroChannelScale = output.Scale / (256f * input.Scale);
        (sbyte[] w, float[] scales) = PostTrainingQuantizer.QuantizeWeightsPerChannel(weights, old.OutC, i => i / n, zeroChannelScale);
        var bytes = new byte[w.Length];
        Buffer.BlockCopy(w, 0, bytes, 0, w.Length);
        return new FullyConnected
        {
            FusedActivation = old.FusedActivation,
            WeightScales = scales,
            Bias = PostTrainingQuantizer.QuantizeBias(bias, input.Scale, scales),
            Weights = bytes,
            WeightsOffset = 0,
            OutH = old.OutH,
            OutW = old.OutW,
            OutC = old.OutC,
            OutScale = output.Scale,
            OutZeroPoint = output.ZeroPoint,
        };
    }

    private static void CheckHeadFits(Int8Model model, TrainableHead head)
    {
        Operator[] ops = model.Operators ?? throw new ArgumentException("the model has no operators", nameof(model));
        int first = head.FirstOperator;
        int end = first + head.LayerCount;
        bool fits = end <= ops.Length && (end == ops.Length || (end == ops.Length - 1 && ops[end].OpCode == Softmax.Code));
        for (int l = 0; fits && l < head.LayerCount; l++)
        {
            Operator op = ops[first + l];
            fits = op is FullyConnected && op.InC == head.Inputs(l) && op.OutC == head.Outputs(l) && op.FusedActivation == head.LayerActivation(l);
        }

        if (!fits)
        {
            throw new ArgumentException($"the head (operators {first}..{end - 1}) is not the last fully connected layers of model '{model.ModelId}'", nameof(head));
        }
    }

    private static void CheckFinite(TrainableHead head, float[][] tensors)
    {
        for (int t = 0; t < tensors.Length; t++)
        {
            int bad = Array.FindIndex(tensors[t], v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw new ArgumentException($"{head.TensorName(t)}[{bad}] is not finite", nameof(tensors));
            }
        }
    }
}
