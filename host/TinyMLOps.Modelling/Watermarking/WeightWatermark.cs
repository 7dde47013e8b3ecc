using TinyMLOps.Modelling.Float;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Modelling.Watermarking;

/// <summary>What reading a watermark out of a model found.</summary>
/// <param name="Bits">The extracted bits, sign(X·w) &gt; 0 as '1'.</param>
/// <param name="Errors">Bits that differ from the key.</param>
/// <param name="FalsePositiveProbability">P(Binomial(n, ½) ≤ errors): the chance that a model without this mark reads this close to the key.</param>
public sealed record WatermarkReading(WatermarkKey Key, string Bits, int Errors, double FalsePositiveProbability)
{
    public int BitCount => Bits.Length;

    public int Matched => BitCount - Errors;

    public double BitErrorRate => (double)Errors / BitCount;

    public bool IsMatch => BitErrorRate <= Key.Threshold;
}

/// <summary>Options of <see cref="WeightWatermark.Embed"/>.</summary>
public sealed record WatermarkEmbedOptions
{
    /// <summary>
    /// Every projection is pushed to at least this many standard deviations of the noise that int8
    /// per-channel weight quantization adds to it (uniform error of ±scale/2 per weight).
    /// </summary>
    public double MarginFactor { get; init; } = 8;
}

/// <summary>What <see cref="WeightWatermark.Embed"/> changed.</summary>
/// <param name="BitsChanged">Bits that were wrong or under the margin before the nudge.</param>
/// <param name="Margin">The projection margin the nudge reached (|x_k·w| ≥ margin).</param>
/// <param name="RelativeChange">‖δ‖ / ‖w‖ of the layer's weights.</param>
public sealed record WatermarkEmbedResult(int BitsChanged, double Margin, double RelativeChange);

/// <summary>
/// A multi-bit weight-space watermark (after Uchida et al. 2017) that survives int8 quantization. The key's
/// secret Gaussian matrix X projects the flattened weights w of one dense layer; the message is sign(X·w).
/// Embedding is a minimum-norm nudge of the trained float weights, δ = Xᵀ(XXᵀ)⁻¹(t − Xw), that moves every
/// projection to the key's sign with a margin several times the quantization noise, so the per-channel
/// int8 weights read back the same bits. Verification dequantizes the int8 layer (weights × scale) and
/// counts bit errors; a model without the mark reads ~50% errors, and the threshold is set from the
/// binomial tail of that.
/// </summary>
public static class WeightWatermark
{
    /// <summary>A key for the given dense layer (ordinal among the model's dense layers) of a float model.</summary>
    public static WatermarkKey CreateKey(FloatModel model, int layer = 0, int bitCount = 64, double threshold = WatermarkKey.DefaultThreshold)
    {
        DenseLayer d = FindDense(model, layer);
        return WatermarkKey.Create(layer, d.Inputs, d.Units, bitCount, threshold);
    }

    /// <summary>Embeds the key's bits into the float model's marked layer, in place. Quantize afterwards.</summary>
    public static WatermarkEmbedResult Embed(FloatModel model, WatermarkKey key, WatermarkEmbedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(key);
        key.Validate();
        options ??= new WatermarkEmbedOptions();
        DenseLayer d = FindDense(model, key.Layer);
        CheckShape(key, d.Inputs, d.Units);
        float[] w = d.Weights;
        int n = w.Length;
        int m = key.BitCount;
        float[][] x = Projection(key);

        // Quantization noise of each projection: per channel o, error ~ U(±scale_o/2) on each weight, variance
        // scale_o²/12, times E[x²] = 1; summed over the layer.
        double noiseVar = 0;
        for (int o = 0; o < d.Units; o++)
        {
            float max = 0;
            for (int i = 0; i < d.Inputs; i++)
            {
                max = Math.Max(max, Math.Abs(w[(o * d.Inputs) + i]));
            }

            double scale = max / 127.0;
            noiseVar += d.Inputs * scale * scale / 12.0;
        }

        double margin = options.MarginFactor * Math.Sqrt(noiseVar);
        var residual = new double[m];
        int changed = 0;
        for (int k = 0; k < m; k++)
        {
            double s = key.Bits[k] == '1' ? 1 : -1;
            double p = Dot(x[k], w);
            if (s * p < margin)
            {
                residual[k] = (s * margin) - p;
                changed++;
            }
        }

        // Gram matrix G = XXᵀ, then c = G⁻¹ r and δ = Xᵀ c: the smallest change that sets every projection
        // wanting a move exactly to the margin and leaves the others where they were.
        var g = new double[m, m];
        for (int a = 0; a < m; a++)
        {
            for (int b = a; b < m; b++)
            {
                g[a, b] = g[b, a] = Dot(x[a], x[b]);
            }
        }

        double[] c = Solve(g, residual);
        double deltaSq = 0;
        double wSq = 0;
        var delta = new double[n];
        for (int k = 0; k < m; k++)
        {
            if (c[k] == 0)
            {
                continue;
            }

            float[] row = x[k];
            for (int i = 0; i < n; i++)
            {
                delta[i] += c[k] * row[i];
            }
        }

        for (int i = 0; i < n; i++)
        {
            wSq += (double)w[i] * w[i];
            deltaSq += delta[i] * delta[i];
            w[i] += (float)delta[i];
        }

        return new WatermarkEmbedResult(changed, margin, wSq == 0 ? 0 : Math.Sqrt(deltaSq / wSq));
    }

    /// <summary>Reads the mark from a float model.</summary>
    public static WatermarkReading Verify(FloatModel model, WatermarkKey key)
    {
        ArgumentNullException.ThrowIfNull(model);
        DenseLayer d = FindDense(model, key.Layer);
        CheckShape(key, d.Inputs, d.Units);
        return Read(d.Weights, key);
    }

    /// <summary>Reads the mark from an int8 model: the marked FullyConnected layer dequantized (int8 × per-channel scale).</summary>
    public static WatermarkReading Verify(Int8Model model, WatermarkKey key)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(key);
        FullyConnected[] dense = model.Operators.OfType<FullyConnected>().ToArray();
        if (key.Layer >= dense.Length)
        {
            throw new ArgumentException($"the model has {dense.Length} dense layers; the key marks dense layer {key.Layer}");
        }

        FullyConnected fc = dense[key.Layer];
        CheckShape(key, fc.InC, fc.OutC);
        var w = new float[fc.InC * fc.OutC];
        for (int o = 0; o < fc.OutC; o++)
        {
            float scale = fc.WeightScales[o];
            int row = fc.WeightsOffset + (o * fc.InC);
            for (int i = 0; i < fc.InC; i++)
            {
                w[(o * fc.InC) + i] = (sbyte)fc.Weights[row + i] * scale;
            }
        }

        return Read(w, key);
    }

    /// <summary>P(X ≤ errors) for X ~ Binomial(bits, ½).</summary>
    public static double BinomialTail(int bits, int errors)
    {
        if (errors >= bits)
        {
            return 1;
        }

        double logHalfN = bits * Math.Log(0.5);
        double logC = 0; // log C(bits, 0)
        double sum = 0;
        for (int k = 0; k <= errors; k++)
        {
            if (k > 0)
            {
                logC += Math.Log(bits - k + 1) - Math.Log(k);
            }

            sum += Math.Exp(logC + logHalfN);
        }

        return Math.Min(1, sum);
    }

    /// <summary>The dense layer with the given ordinal among the model's dense layers.</summary>
    public static DenseLayer FindDense(FloatModel model, int ordinal)
    {
        DenseLayer[] dense = model.Layers.OfType<DenseLayer>().ToArray();
        if (ordinal < 0 || ordinal >= dense.Length)
        {
            throw new ArgumentException($"the model has {dense.Length} dense layers; dense layer {ordinal} does not exist");
        }

        return dense[ordinal];
    }

    private static WatermarkReading Read(float[] w, WatermarkKey key)
    {
        float[][] x = Projection(key);
        var bits = new char[key.BitCount];
        int errors = 0;
        for (int k = 0; k < bits.Length; k++)
        {
            bits[k] = Dot(x[k], w) > 0 ? '1' : '0';
            if (bits[k] != key.Bits[k])
            {
                errors++;
            }
        }

        return new WatermarkReading(key, new string(bits), errors, BinomialTail(bits.Length, errors));
    }

    private static void CheckShape(WatermarkKey key, int inputs, int units)
    {
        if (inputs != key.Inputs || units != key.Units)
        {
            throw new ArgumentException($"the marked layer is {inputs}x{units}, the key is for {key.Inputs}x{key.Units}");
        }
    }

    /// <summary>The key's projection rows, standard normal, from SplitMix64 seeded with the key's seed.</summary>
    private static float[][] Projection(WatermarkKey key)
    {
        int n = key.Inputs * key.Units;
        ulong state = key.SeedValue;
        var rows = new float[key.BitCount][];
        for (int k = 0; k < rows.Length; k++)
        {
            var row = new float[n];
            for (int i = 0; i < n; i += 2)
            {
                // Box-Muller on two 53-bit uniforms; 1 - u is in (0, 1] so the log is finite.
                double u1 = 1.0 - ((SplitMix(ref state) >> 11) * (1.0 / (1UL << 53)));
                double u2 = (SplitMix(ref state) >> 11) * (1.0 / (1UL << 53));
                double r = Math.Sqrt(-2.0 * Math.Log(u1));
                row[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < n)
                {
                    row[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
                }
            }

            rows[k] = row;
        }

        return rows;
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }

    /// <summary>Solves the symmetric positive definite system g·c = r (Gaussian elimination with partial pivoting).</summary>
    private static double[] Solve(double[,] g, double[] r)
    {
        int m = r.Length;
        var a = (double[,])g.Clone();
        var b = (double[])r.Clone();
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int row = col + 1; row < m; row++)
            {
                if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = row;
                }
            }

            if (pivot != col)
            {
                for (int j = 0; j < m; j++)
                {
                    (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
                }

                (b[col], b[pivot]) = (b[pivot], b[col]);
            }

            double d = a[col, col];
            if (Math.Abs(d) < 1e-12)
            {
                throw new InvalidOperationException("the watermark projection is degenerate");
            }

            for (int row = col + 1; row < m; row++)
            {
                double f = a[row, col] / d;
                if (f == 0)
                {
                    continue;
                }

                for (int j = col; j < m; j++)
                {
                    a[row, j] -= f * a[col, j];
                }

                b[row] -= f * b[col];
            }
        }

        var c = new double[m];
        for (int row = m - 1; row >= 0; row--)
        {
            double s = b[row];
            for (int j = row + 1; j < m; j++)
            {
                s -= a[row, j] * c[j];
            }

            c[row] = s / a[row, row];
        }

        return c;
    }
}
