using TinyMLOps.Modelling.Float;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Modelling.Data;

/// <summary>What the per-feature front-end of an imported model does (`--normalize`).</summary>
public enum FeatureNormalization
{
    /// <summary>Per-feature for CSV data when the model's first layer can absorb it, else none.</summary>
    Auto,

    /// <summary>The model takes the data's values as they are; no front-end.</summary>
    None,

    /// <summary>
    /// The model was trained on raw values: a robust per-feature front-end scales them for the int8 input and its
    /// inverse is folded into the first layer, so the float model computes the same function of the raw values.
    /// </summary>
    PerFeature,

    /// <summary>
    /// The model was trained on (x - mean) / std of its training data (scikit-learn's StandardScaler): the front-end
    /// is that standardisation, computed from the calibration data, which should be the training data.
    /// </summary>
    Standardize,
}

/// <summary>
/// Per-feature scaling of tabular and sensor inputs, so that a column of 0.1s next to one of 1,000s does not leave
/// the small one a handful of int8 steps under one input scale. The scaling travels in the model as a
/// <see cref="Normalize"/> front-end (one offset and scale per channel: a table's column, a sensor's axis) and the
/// device applies it to raw values; on the host <see cref="Apply(FrontEnd?, IReadOnlyList{float[]})"/> does the same.
/// </summary>
public static class FeatureScaling
{
    /// <summary>The share of |x - median| that the robust scale covers; the rest (outliers) saturates.</summary>
    public const double RobustPercentile = 0.99;

    /// <summary>
    /// Median and the 99th percentile of |x - median| per channel: most values land in [-1, 1] and a few spikes
    /// (common in raw sensor data) do not stretch the range as they would min/max or a standard deviation. The choice
    /// only sets the int8 resolution, since <see cref="Fold"/> undoes it exactly in float.
    /// </summary>
    public static Normalize Robust(DataSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int c = data.Channels;
        var offset = new float[c];
        var scale = new float[c];
        for (int k = 0; k < c; k++)
        {
            double[] v = [.. Column(data, k).Order()];
            double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
            double[] dev = [.. v.Select(x => Math.Abs(x - median)).Order()];
            double s = dev[Math.Min(dev.Length - 1, (int)Math.Ceiling(RobustPercentile * dev.Length) - 1)];
            s = s > 0 ? s : dev[^1] > 0 ? dev[^1] : 1;
            offset[k] = (float)median;
            scale[k] = (float)s;
        }

        return new Normalize(data.Height, data.Width, c, offset, scale);
    }

    /// <summary>Mean and population standard deviation (ddof 0) per channel, as scikit-learn's StandardScaler; a constant channel gets scale 1, as there.</summary>
    public static Normalize Standardize(DataSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int c = data.Channels;
        var offset = new float[c];
        var scale = new float[c];
        for (int k = 0; k < c; k++)
        {
            double[] v = [.. Column(data, k)];
            double mean = v.Average();
            double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
            offset[k] = (float)mean;
            scale[k] = std > 0 ? (float)std : 1f;
        }

        return new Normalize(data.Height, data.Width, c, offset, scale);
    }

    /// <summary>Why <see cref="Fold"/> cannot take this model, or null when it can.</summary>
    public static string? CannotFold(FloatModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsChain || model.Layers.Count == 0 || model.Layers[0] is not DenseLayer)
        {
            return "its first layer is not a dense (Gemm/MatMul) layer taking the input";
        }

        // An autoencoder's score compares its output with its input: both must stay in the same units.
        return model.Output == model.Input && model.Layers[^1] is not SoftmaxLayer ? "its output has the input's shape (an autoencoder compares them)" : null;
    }

    /// <summary>
    /// The model with the front-end's inverse folded into its first dense layer: W'[o, i] = W[o, i] · scale[i] and
    /// b'[o] = b[o] + Σ W[o, i] · offset[i], so the new model on normalised values equals the old one on raw values.
    /// </summary>
    public static FloatModel Fold(FloatModel model, Normalize normalize)
    {
        ArgumentNullException.ThrowIfNull(normalize);
        if (CannotFold(model) is { } reason)
        {
            throw new InvalidOperationException($"cannot fold per-feature scaling into {model.Name}: {reason}");
        }

        var d = (DenseLayer)model.Layers[0];
        var folded = new DenseLayer(d.Inputs, d.Units, d.Activation);
        for (int o = 0; o < d.Units; o++)
        {
            double bias = d.Bias[o];
            for (int i = 0; i < d.Inputs; i++)
            {
                float w = d.Weights[(o * d.Inputs) + i];
                int k = normalize.Offset.Length == d.Inputs ? i : i % normalize.Offset.Length;
                folded.Weights[(o * d.Inputs) + i] = w * normalize.Scale[k];
                bias += (double)w * normalize.Offset[k];
            }

            folded.Bias[o] = (float)bias;
        }

        return new FloatModel(model.Name, model.Input, [folded, .. model.Layers.Skip(1)], model.Labels) { InputLayout = model.InputLayout };
    }

    /// <summary>The samples as the model sees them: through a <see cref="Normalize"/> front-end, or as they are.</summary>
    public static IReadOnlyList<float[]> Apply(FrontEnd? frontEnd, IReadOnlyList<float[]> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return frontEnd switch
        {
            null => samples,
            Normalize n => [.. samples.Select(s => Apply(n, s))],
            ImageFrontEnd i => [.. samples.Select(s => Apply(i, s))],
            _ => throw new NotSupportedException($"the host cannot run the {frontEnd.Name} front-end on raw samples yet"),
        };
    }

    /// <summary>
    /// A frame (pixel / 255, the frame's H x W x C) through the device's own crop, resize and grey, then normalised: the
    /// model input whose quantization is exactly the device's table.
    /// </summary>
    public static float[] Apply(ImageFrontEnd image, float[] frame)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Length != image.RawPixels)
        {
            throw new ArgumentException($"a frame of {frame.Length} values, the image front-end takes {image.SrcH}x{image.SrcW}x{image.SrcC}");
        }

        var bytes = new byte[frame.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp(Math.Round(frame[i] * 255), 0, 255);
        }

        var levels = new byte[image.Height * image.Width * image.OutC];
        image.Resample(bytes, 0, levels, 0);
        return [.. levels.Select((v, k) => image.Apply(v, k % image.OutC))];
    }

    public static float[] Apply(Normalize normalize, float[] raw)
    {
        ArgumentNullException.ThrowIfNull(normalize);
        ArgumentNullException.ThrowIfNull(raw);
        var x = new float[raw.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = normalize.Apply(raw[i], i);
        }

        return x;
    }

    private static IEnumerable<double> Column(DataSet data, int channel)
    {
        if (data.Count == 0)
        {
            throw new DataSetException($"{data.Source}: no samples to compute the per-feature scaling from");
        }

        foreach (float[] s in data.Samples)
        {
            for (int i = channel; i < s.Length; i += data.Channels)
            {
                yield return s[i];
            }
        }
    }
}
