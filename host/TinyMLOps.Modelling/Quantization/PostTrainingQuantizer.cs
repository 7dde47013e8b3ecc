using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Modelling.Quantization;

/// <summary>Asymmetric int8 quantization of one tensor: real = (q - ZeroPoint) * Scale.</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint)
{
    public float RealMin => (QuantMath.Int8Min - ZeroPoint) * Scale;

    public float RealMax => (QuantMath.Int8Max - ZeroPoint) * Scale;

    public override string ToString() => $"scale {Scale:G6} zp {ZeroPoint}";
}

/// <summary>Observed value ranges: of the model input and of every layer's output (index = layer), with a histogram of each layer's output.</summary>
public sealed class CalibrationStats
{
    public CalibrationStats(int layers)
    {
        LayerMin = new float[layers];
        LayerMax = new float[layers];
        LayerLowestPeak = new float[layers];
        LayerHistograms = new ActivationHistogram[layers];
        for (int i = 0; i < layers; i++)
        {
            LayerHistograms[i] = new ActivationHistogram();
        }

        Array.Fill(LayerMin, float.PositiveInfinity);
        Array.Fill(LayerMax, float.NegativeInfinity);
        Array.Fill(LayerLowestPeak, float.PositiveInfinity);
    }

    public float InputMin { get; set; } = float.PositiveInfinity;

    public float InputMax { get; set; } = float.NegativeInfinity;

    public float[] LayerMin { get; }

    public float[] LayerMax { get; }

    /// <summary>The smallest per-sample maximum of each layer's output: how low the top logit of any sample went.</summary>
    public float[] LayerLowestPeak { get; }

    /// <summary>The values of each layer's output, for the clipping strategies (empty when the stats were filled by hand).</summary>
    public ActivationHistogram[] LayerHistograms { get; }

    /// <summary>Samples the ranges were taken over.</summary>
    public int Samples { get; set; }

    internal void Include(CalibrationStats other)
    {
        InputMin = Math.Min(InputMin, other.InputMin);
        InputMax = Math.Max(InputMax, other.InputMax);
        for (int i = 0; i < LayerMin.Length; i++)
        {
            LayerMin[i] = Math.Min(LayerMin[i], other.LayerMin[i]);
            LayerMax[i] = Math.Max(LayerMax[i], other.LayerMax[i]);
            LayerLowestPeak[i] = Math.Min(LayerLowestPeak[i], other.LayerLowestPeak[i]);
            LayerHistograms[i].Include(other.LayerHistograms[i]);
        }

        Samples += other.Samples;
    }

    internal void Observe(int layer, ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        float peak = System.Numerics.Tensors.TensorPrimitives.Max(values);
        LayerMin[layer] = Math.Min(LayerMin[layer], System.Numerics.Tensors.TensorPrimitives.Min(values));
        LayerMax[layer] = Math.Max(LayerMax[layer], peak);
        LayerLowestPeak[layer] = Math.Min(LayerLowestPeak[layer], peak);
        LayerHistograms[layer].Add(values);
    }

    internal void ObserveInput(ReadOnlySpan<float> values)
    {
        InputMin = Math.Min(InputMin, System.Numerics.Tensors.TensorPrimitives.Min(values));
        InputMax = Math.Max(InputMax, System.Numerics.Tensors.TensorPrimitives.Max(values));
    }
}

/// <summary>Options of <see cref="PostTrainingQuantizer.Quantize(FloatModel, LabelledSet, QuantizationOptions?)"/>.</summary>
public sealed record QuantizationOptions
{
    /// <summary>Model id written to the file; defaults to the float model's name.</summary>
    public string? ModelId { get; init; }

    public string VariantId { get; init; } = "int8";

    /// <summary>At most this many calibration images are used (the first ones).</summary>
    public int CalibrationSamples { get; init; } = 5_000;

    /// <summary>
    /// True (default) when inputs are 8-bit pixels v / 255: the input then uses scale 1/255 and zero point
    /// -128, exact for every pixel. False uses the calibrated input range.
    /// </summary>
    public bool PixelInput { get; init; } = true;

    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>How each layer output's range is chosen from calibration (the model's input and output keep min/max).</summary>
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.Percentile;

    /// <summary>The percentile <see cref="CalibrationMethod.Percentile"/> clips at.</summary>
    public double Percentile { get; init; } = PercentileCalibration.DefaultPercentile;

    /// <summary>
    /// Corrects conv and dense biases for the mean output shift of quantization (<see cref="Quantization.BiasCorrection"/>).
    /// Needs samples: applied by the overloads of Quantize that take calibration data, not by the one taking stats.
    /// </summary>
    public bool BiasCorrection { get; init; } = true;

    /// <summary>At most this many of the calibration samples (the first ones) are used for bias correction.</summary>
    public int BiasCorrectionSamples { get; init; } = Quantization.BiasCorrection.DefaultSamples;

    /// <summary>
    /// Rewrites a copy of the float model by cross-layer equalization (<see cref="CrossLayerEqualization"/>) before
    /// calibration. Applied by the overloads of Quantize that take calibration data, not by the one taking stats.
    /// Turn it off for a weight-watermarked model: rescaling the marked layer's channels moves the mark's projections.
    /// </summary>
    public bool Equalization { get; init; } = true;
}

/// <summary>
/// Post-training quantization of a <see cref="FloatModel"/> to an <see cref="Int8Model"/> in the runtime's TFLite
/// scheme: asymmetric int8 activations from calibrated min/max ranges, symmetric per-output-channel int8
/// weights, int32 biases at scale inScale * wScale[c], fused activations kept, Flatten as Reshape, pooling
/// sharing its input's quantization and Softmax at the fixed output scale 1/256, zero point -128.
/// </summary>
public static class PostTrainingQuantizer
{
    /// <summary>Narrowest range a tensor is given, so that an all-zero (dead) tensor still has a positive scale.</summary>
    public const float MinRange = 1e-6f;

    /// <summary>Calibrates on <paramref name="calibration"/> and quantizes.</summary>
    public static Int8Model Quantize(FloatModel model, LabelledSet calibration, QuantizationOptions? options = null)
    {
        options ??= new QuantizationOptions();

        // Only pixels go through the pixel table; a front-end's features take the calibrated input range.
        options = calibration.Raw == RawInput.Pixels ? options : options with { PixelInput = false };
        model = Equalize(model, options);
        LabelledSet data = calibration.Take(options.CalibrationSamples);
        CalibrationStats stats = Calibrate(model, data, options.MaxDegreeOfParallelism);
        Int8Model int8 = Quantize(model, stats, options);
        if (options.BiasCorrection)
        {
            CorrectBiases(model, int8, [.. Enumerable.Range(0, Math.Min(data.Count, options.BiasCorrectionSamples)).Select(data.GetInput)], options);
        }

        return int8;
    }

    /// <summary>Calibrates on float <paramref name="samples"/> (HWC, the model's input size each) and quantizes.</summary>
    public static Int8Model Quantize(FloatModel model, IReadOnlyList<float[]> samples, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        options ??= new QuantizationOptions();
        model = Equalize(model, options);
        IReadOnlyList<float[]> data = samples.Count > options.CalibrationSamples ? [.. samples.Take(options.CalibrationSamples)] : samples;
        CalibrationStats stats = Calibrate(model, data, options.MaxDegreeOfParallelism);
        Int8Model int8 = Quantize(model, stats, options);
        if (options.BiasCorrection)
        {
            CorrectBiases(model, int8, [.. data.Take(options.BiasCorrectionSamples)], options);
        }

        return int8;
    }

    /// <summary>The model to calibrate and quantize: an equalized copy when the options ask for one.</summary>
    private static FloatModel Equalize(FloatModel model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        return options.Equalization ? CrossLayerEqualization.Apply(model) : model;
    }

    private static void CorrectBiases(FloatModel model, Int8Model int8, IReadOnlyList<float[]> samples, QuantizationOptions options)
    {
        Quantization.BiasCorrection.Apply(model, int8, samples, options.MaxDegreeOfParallelism);
    }

    /// <summary>
    /// Runs the float model on every image and records the min and max of its input and of every layer's
    /// output. Uses the trainer's fast forward pass, or <see cref="FloatInference.ForwardAll"/> for models the
    /// trainer cannot run.
    /// </summary>
    public static CalibrationStats Calibrate(FloatModel model, LabelledSet data, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("calibration needs at least one image", nameof(data));
        }

        if (data.Height != model.Input.H || data.Width != model.Input.W || data.Channels != model.Input.C)
        {
            throw new ArgumentException($"{data.Name} holds {data.Height}x{data.Width}x{data.Channels} images, the model takes {model.Input}");
        }

        int layers = model.Layers.Count;
        var total = new CalibrationStats(layers);
        Network? net = null;
        try
        {
            net = new Network(model);
        }
        catch (NotSupportedException)
        {
        }

        if (net != null)
        {
            net.ForEachForward(
                data,
                maxDegreeOfParallelism,
                () => new CalibrationStats(layers),
                (ws, _, _, s) =>
                {
                    s.ObserveInput(ws.Act[0]);
                    for (int l = 0; l < net.Layers.Length; l++)
                    {
                        s.Observe(l, ws.Act[l + 1]);
                    }

                    if (net.EndsWithSoftmax)
                    {
                        Network.SoftmaxCrossEntropy(ws.Act[^1], 0, ws.Probabilities);
                        s.Observe(layers - 1, ws.Probabilities);
                    }

                    s.Samples++;
                },
                total.Include);
            return total;
        }

        var input = new float[model.Input.Elements];
        for (int i = 0; i < data.Count; i++)
        {
            data.GetInput(i, input);
            total.ObserveInput(input);
            float[][] outputs = FloatInference.ForwardAll(model, input);
            for (int l = 0; l < layers; l++)
            {
                total.Observe(l, outputs[l]);
            }

            total.Samples++;
        }

        return total;
    }

    /// <summary>
    /// Records the min and max of the input and of every layer's output over <paramref name="samples"/> (HWC, the model's
    /// input size each): calibration from any data, e.g. the user's own.
    /// </summary>
    public static CalibrationStats Calibrate(FloatModel model, IReadOnlyList<float[]> samples, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("calibration needs at least one sample", nameof(samples));
        }

        int layers = model.Layers.Count;
        var total = new CalibrationStats(layers);
        object gate = new();
        Parallel.For(
            0,
            samples.Count,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new CalibrationStats(layers),
            (i, _, s) =>
            {
                s.ObserveInput(samples[i]);
                float[][] outputs = FloatInference.ForwardAll(model, samples[i]);
                for (int l = 0; l < layers; l++)
                {
                    s.Observe(l, outputs[l]);
                }

                s.Samples++;
                return s;
            },
            s =>
            {
                lock (gate)
                {
                    total.Include(s);
                }
            });
        return total;
    }

    /// <summary>Builds the int8 model from calibrated ranges. The result is prepared (validated) and ready to write or run.</summary>
    public static Int8Model Quantize(FloatModel model, CalibrationStats stats, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stats);
        options ??= new QuantizationOptions();
        if (stats.LayerMin.Length != model.Layers.Count)
        {
            throw new ArgumentException($"calibration covers {stats.LayerMin.Length} layers, the model has {model.Layers.Count}");
        }

        QuantParams input = options.PixelInput ? new QuantParams(1f / 255f, -128) : ChooseActivationParams(stats.InputMin, stats.InputMax);
        var ops = new Operator[model.Layers.Count];
        var quant = new QuantParams[model.Layers.Count + 1];
        quant[0] = input;
        bool graph = !model.IsChain;
        ICalibrationStrategy strategy = CalibrationStrategies.For(options.CalibrationMethod, options.Percentile);
        for (int l = 0; l < model.Layers.Count; l++)
        {
            TensorShape outShape = model.Shapes[l + 1];
            FloatLayer layer = model.Layers[l];
            int[] inputs = model.InputsOf(l);
            QuantParams current = quant[inputs[0]];
            QuantParams output = layer switch
            {
                MaxPool2DLayer or AveragePool2DLayer or FlattenLayer or PadLayer => current,
                UnaryLayer { Function: UnaryFunction.Sigmoid or UnaryFunction.HardSigmoid } => ChooseActivationParams(0f, 1f),
                UnaryLayer { Function: UnaryFunction.Tanh } => ChooseActivationParams(-1f, 1f),
                SoftmaxLayer => new QuantParams(Softmax.OutputScale, Softmax.OutputZeroPoint),
                _ when FeedsOnlySoftmax(model, l) => ChooseActivationParams(LogitFloor(stats, l, outShape.C), stats.LayerMax[l]),
                // The model's output keeps its full range: clipping logits could tie the top classes at the ceiling.
                _ when l == model.Layers.Count - 1 => ChooseActivationParams(stats.LayerMin[l], stats.LayerMax[l]),
                _ => ChooseActivationParams(strategy.Range(stats.LayerHistograms[l], stats.LayerMin[l], stats.LayerMax[l])),
            };
            Operator op = layer switch
            {
                DenseLayer d => QuantizeDense(d, current, output),
                Conv2DLayer c => QuantizeConv(c, current, output),
                DepthwiseConv2DLayer dw => QuantizeDepthwise(dw, current, output),
                MaxPool2DLayer mp => new MaxPool2D { Window = ToWindow(mp.Window) },
                AveragePool2DLayer ap => new AveragePool2D { Window = ToWindow(ap.Window) },
                FlattenLayer => new Reshape(),
                SoftmaxLayer => new Softmax(),
                BinaryLayer { Multiply: false } b => new Add { FusedActivation = (int)b.Activation },
                BinaryLayer { Multiply: true } b => new Mul { FusedActivation = (int)b.Activation },
                ConcatLayer c => new Concat { Axis = c.Axis },
                PadLayer pad => new Pad { PadTop = pad.Top, PadBottom = pad.Bottom, PadLeft = pad.Left, PadRight = pad.Right },
                UnaryLayer u => LookupFor(u, current, output),
                _ => throw new NotSupportedException($"layer {l}: cannot quantize a {layer.Kind} layer (no int8 kernel for it yet)"),
            };
            if (graph)
            {
                op.InputIds = inputs;
            }

            op.OutH = outShape.H;
            op.OutW = outShape.W;
            op.OutC = outShape.C;
            op.OutScale = output.Scale;
            op.OutZeroPoint = output.ZeroPoint;
            ops[l] = op;
            quant[l + 1] = output;
        }

        var result = new Int8Model
        {
            ModelId = options.ModelId ?? model.Name,
            VariantId = options.VariantId,
            InputH = model.Input.H,
            InputW = model.Input.W,
            InputC = model.Input.C,
            InputScale = input.Scale,
            InputZeroPoint = input.ZeroPoint,
            InputLayout = model.InputLayout,
            Labels = [.. model.Labels],
            Operators = ops,
        };
        result.Prepare();
        return result;
    }

    /// <summary>
    /// An element-wise function as a 256-entry table: entry q + 128 is the function of the real value that int8 q
    /// stands for at the input's quantization, quantized at the output's. Exact for any function.
    /// </summary>
    public static Lookup LookupFor(UnaryLayer layer, QuantParams input, QuantParams output)
    {
        var table = new byte[Lookup.TableSize];
        for (int q = QuantMath.Int8Min; q <= QuantMath.Int8Max; q++)
        {
            float real = QuantMath.Dequantize(q, input.Scale, input.ZeroPoint);
            table[q + 128] = (byte)QuantMath.Quantize(layer.Apply(real), output.Scale, output.ZeroPoint);
        }

        return new Lookup { Table = table, TableOffset = 0 };
    }

    /// <summary>True when the output of layer <paramref name="layer"/> is read by one softmax and nothing else: it holds logits.</summary>
    private static bool FeedsOnlySoftmax(FloatModel model, int layer)
    {
        var consumers = model.ConsumersOf(layer + 1).ToList();
        return consumers.Count == 1 && model.Layers[consumers[0]] is SoftmaxLayer;
    }

    /// <summary>
    /// The lower end of the range of logits that feed a softmax. A logit more than ln(512·classes) below the top
    /// one adds less than half an output step (1/512) to the int8 softmax, so values under the lowest top logit
    /// seen in calibration minus that headroom can saturate. The narrower range gives the logits a finer scale,
    /// which is what decides the top class when two are close.
    /// </summary>
    public static float LogitFloor(CalibrationStats stats, int layer, int classes)
    {
        float headroom = (float)Math.Log(512.0 * classes) + 1f;
        return Math.Max(stats.LayerMin[layer], stats.LayerLowestPeak[layer] - headroom);
    }

    /// <summary>The parameters of <see cref="ChooseActivationParams(float, float)"/> for a chosen range.</summary>
    public static QuantParams ChooseActivationParams((float Min, float Max) range) => ChooseActivationParams(range.Min, range.Max);

    /// <summary>
    /// Asymmetric int8 parameters covering [min, max] widened to include 0: scale = (max - min) / 255,
    /// zero point = round(-128 - min / scale), clamped to int8 so that 0 is exactly representable.
    /// </summary>
    public static QuantParams ChooseActivationParams(float min, float max)
    {
        if (float.IsNaN(min) || float.IsNaN(max) || float.IsInfinity(min) || float.IsInfinity(max))
        {
            throw new ArgumentException($"calibration range [{min}, {max}] is not finite");
        }

        double lo = Math.Min(min, 0f);
        double hi = Math.Max(max, 0f);
        if (hi - lo < MinRange)
        {
            hi = lo + MinRange;
        }

        double scale = (hi - lo) / 255.0;
        int zp = QuantMath.ClampInt8(QuantMath.RoundToInt(-128.0 - (lo / scale)));
        return new QuantParams((float)scale, zp);
    }

    /// <summary>
    /// Symmetric per-channel int8 quantization: scale[c] = max|w| / 127 over the channel, q = round(w / scale[c]).
    /// <paramref name="channelOf"/> maps a flat weight index to its output channel. A channel of all zeros gets
    /// <paramref name="zeroChannelScale"/> (its weights quantize to 0 whatever the scale).
    /// </summary>
    public static (sbyte[] Weights, float[] Scales) QuantizeWeightsPerChannel(float[] weights, int channels, Func<int, int> channelOf, float zeroChannelScale = 1f)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var maxAbs = new float[channels];
        for (int i = 0; i < weights.Length; i++)
        {
            if (!float.IsFinite(weights[i]))
            {
                throw new ArgumentException($"weight {i} is not finite");
            }

            int c = channelOf(i);
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(weights[i]));
        }

        var scales = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            scales[c] = maxAbs[c] > 0f ? maxAbs[c] / 127f : zeroChannelScale;
        }

        var q = new sbyte[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            q[i] = (sbyte)Math.Clamp(QuantMath.RoundToInt(weights[i] / (double)scales[channelOf(i)]), -127, 127);
        }

        return (q, scales);
    }

    /// <summary>int32 bias[c] = round(b[c] / (inScale * wScale[c])), saturated to the int32 range.</summary>
    public static int[] QuantizeBias(float[] bias, float inputScale, float[] weightScales)
    {
        var q = new int[bias.Length];
        for (int c = 0; c < bias.Length; c++)
        {
            double v = Math.Round(bias[c] / ((double)inputScale * weightScales[c]), MidpointRounding.AwayFromZero);
            q[c] = (int)Math.Clamp(v, int.MinValue, int.MaxValue);
        }

        return q;
    }

    /// <summary>Scale for an all-zero channel: accumulator scale outScale / 256, so its bias keeps 8 fractional bits.</summary>
    private static float ZeroChannelScale(QuantParams input, QuantParams output) => output.Scale / (256f * input.Scale);

    private static FullyConnected QuantizeDense(DenseLayer d, QuantParams input, QuantParams output)
    {
        int n = d.Inputs;
        (sbyte[] w, float[] scales) = QuantizeWeightsPerChannel(d.Weights, d.Units, i => i / n, ZeroChannelScale(input, output));
        return new FullyConnected
        {
            FusedActivation = (int)d.Activation,
            WeightScales = scales,
            Bias = QuantizeBias(d.Bias, input.Scale, scales),
            Weights = ToBytes(w),
            WeightsOffset = 0,
        };
    }

    private static Conv2D QuantizeConv(Conv2DLayer c, QuantParams input, QuantParams output)
    {
        int k = c.Window.KernelH * c.Window.KernelW * c.InChannels;
        (sbyte[] w, float[] scales) = QuantizeWeightsPerChannel(c.Weights, c.OutChannels, i => i / k, ZeroChannelScale(input, output));
        return new Conv2D
        {
            FusedActivation = (int)c.Activation,
            Window = ToWindow(c.Window),
            WeightScales = scales,
            Bias = QuantizeBias(c.Bias, input.Scale, scales),
            Weights = ToBytes(w),
            WeightsOffset = 0,
        };
    }

    private static DepthwiseConv2D QuantizeDepthwise(DepthwiseConv2DLayer dw, QuantParams input, QuantParams output)
    {
        int outC = dw.OutChannels;
        (sbyte[] w, float[] scales) = QuantizeWeightsPerChannel(dw.Weights, outC, i => i % outC, ZeroChannelScale(input, output));
        return new DepthwiseConv2D
        {
            FusedActivation = (int)dw.Activation,
            Window = ToWindow(dw.Window),
            DepthMultiplier = dw.Multiplier,
            WeightScales = scales,
            Bias = QuantizeBias(dw.Bias, input.Scale, scales),
            Weights = ToBytes(w),
            WeightsOffset = 0,
        };
    }

    private static Window ToWindow(WindowSpec w)
    {
        foreach (int v in new[] { w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight })
        {
            if (v < 0 || v > 255)
            {
                throw new NotSupportedException($"window {w} does not fit the model format (one byte per field)");
            }
        }

        return new Window(w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight);
    }

    private static byte[] ToBytes(sbyte[] values)
    {
        var bytes = new byte[values.Length];
        Buffer.BlockCopy(values, 0, bytes, 0, values.Length);
        return bytes;
    }
}
