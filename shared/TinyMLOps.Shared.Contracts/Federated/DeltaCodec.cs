using System;

namespace TinyMLOps.Shared.Federated
{
    /// <summary>
    /// Update compression as free functions: L2 clipping, int8 quantization with stochastic rounding,
    /// top-k selection and decoding. Values must be finite; the functions throw rather than send NaN.
    /// </summary>
    public static class DeltaCodec
    {
        /// <summary>Symmetric int8 range: -128 is never produced, so the scale maps ±maxAbs to ±127.</summary>
        public const int QuantMax = 127;

        public static double L2Norm(float[] values)
        {
            double sum = 0;
            for (int i = 0; i < values.Length; i++)
            {
                sum += (double)values[i] * values[i];
            }

            return Sqrt(sum);
        }

        /// <summary>Scales <paramref name="delta"/> in place so its L2 norm is at most maxNorm; returns the factor applied (1 when already within).</summary>
        public static float ClipL2(float[] delta, float maxNorm)
        {
            float[][] one = new float[1][];
            one[0] = delta;
            return ClipL2(one, maxNorm);
        }

        /// <summary>Clips the whole update (all tensors together), as DP and robust aggregation assume one norm per update.</summary>
        public static float ClipL2(float[][] tensors, float maxNorm)
        {
            if (!(maxNorm > 0) || float.IsInfinity(maxNorm))
            {
                throw new ArgumentException("maxNorm must be positive and finite");
            }

            double sum = 0;
            for (int t = 0; t < tensors.Length; t++)
            {
                CheckFinite(tensors[t]);
                double n = L2Norm(tensors[t]);
                sum += n * n;
            }

            double norm = Sqrt(sum);
            if (norm <= maxNorm)
            {
                return 1f;
            }

            // Computed in double and rounded down a hair so float rounding cannot leave the norm above maxNorm.
            float factor = (float)(maxNorm / norm * (1 - 1e-6));
            for (int t = 0; t < tensors.Length; t++)
            {
                float[] v = tensors[t];
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] *= factor;
                }
            }

            return factor;
        }

        /// <summary>
        /// Quantizes to int8 with scale maxAbs/127 and stochastic rounding: q = floor(x) + 1 with probability
        /// frac(x), so E[q * scale] = value and the rounding error averages out across devices and rounds.
        /// Returns the scale (0 when all values are 0).
        /// </summary>
        public static float Quantize(float[] values, Random rng, sbyte[] output)
        {
            if (output.Length < values.Length)
            {
                throw new ArgumentException("output shorter than values");
            }

            CheckFinite(values);
            float maxAbs = 0;
            for (int i = 0; i < values.Length; i++)
            {
                float a = Abs(values[i]);
                if (a > maxAbs)
                {
                    maxAbs = a;
                }
            }

            float scale = maxAbs / QuantMax;
            if (!(scale > 0))
            {
                // All zero, or so small the scale underflows: send zeros (error feedback keeps the remainder).
                for (int i = 0; i < values.Length; i++)
                {
                    output[i] = 0;
                }

                return 0f;
            }

            for (int i = 0; i < values.Length; i++)
            {
                double x = values[i] / (double)scale;
                double floor = Math.Floor(x);
                double q = rng.NextDouble() < x - floor ? floor + 1 : floor;

                // x can exceed 127 by a float rounding step only; clamping there costs no measurable bias.
                if (q > QuantMax)
                {
                    q = QuantMax;
                }
                else if (q < -QuantMax)
                {
                    q = -QuantMax;
                }

                output[i] = (sbyte)(int)q;
            }

            return scale;
        }

        /// <summary>
        /// Indexes of the k largest |value|, ascending; on equal magnitude the lower index wins. O(n log k)
        /// time and O(k) memory: a bounded min-heap, then an in-place heap sort of the kept indexes.
        /// </summary>
        public static int[] TopK(float[] values, int k)
        {
            int n = values.Length;
            if (k < 0)
            {
                throw new ArgumentException("k < 0");
            }

            if (k > n)
            {
                k = n;
            }

            int[] heap = new int[k];
            if (k == 0)
            {
                return heap;
            }

            int size = 0;
            for (int i = 0; i < n; i++)
            {
                if (size < k)
                {
                    heap[size] = i;
                    size++;
                    SiftUp(values, heap, size - 1);
                }
                else if (Worse(values, heap[0], i))
                {
                    heap[0] = i;
                    SiftDown(values, heap, 0, size);
                }
            }

            SortAscending(heap);
            return heap;
        }

        /// <summary>
        /// Number of values to keep for a keep fraction, or elementCount when the tensor should go dense:
        /// fraction outside (0, 1), or sparse (4 + 5 bytes per kept value) would be no smaller than dense.
        /// </summary>
        public static int SparseCount(int elementCount, float keepFraction)
        {
            if (!(keepFraction > 0) || keepFraction >= 1)
            {
                return elementCount;
            }

            double exact = (double)keepFraction * elementCount;
            int k = (int)exact;
            // Round up, but not for float noise: 0.1f is 0.100000001, and 0.1 of 1000 should keep 100.
            if (exact - k > 1e-6 * elementCount)
            {
                k++;
            }

            if (k < 1)
            {
                k = 1;
            }

            if (4 + 5L * k >= elementCount)
            {
                return elementCount;
            }

            return k;
        }

        /// <summary>Writes the decoded tensor (value * scale, zeros where sparse) into output.</summary>
        public static void Decode(DeltaTensor tensor, float[] output)
        {
            if (output.Length != tensor.ElementCount)
            {
                throw new ArgumentException(tensor.Name + ": output length " + output.Length + ", tensor " + tensor.ElementCount);
            }

            float scale = tensor.Scale;
            if (tensor.Encoding == ModelDelta.EncodingDense)
            {
                for (int i = 0; i < output.Length; i++)
                {
                    output[i] = tensor.Values[i] * scale;
                }

                return;
            }

            for (int i = 0; i < output.Length; i++)
            {
                output[i] = 0;
            }

            for (int j = 0; j < tensor.Indexes.Length; j++)
            {
                output[tensor.Indexes[j]] = tensor.Values[j] * scale;
            }
        }

        public static float[] Decode(DeltaTensor tensor)
        {
            float[] output = new float[tensor.ElementCount];
            Decode(tensor, output);
            return output;
        }

        internal static void CheckFinite(float[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                // NaN fails both comparisons (float.IsNaN is not in the device facade).
                float v = values[i];
                if (!(v >= 0 || v < 0) || float.IsInfinity(v))
                {
                    throw new ArgumentException("value " + i + " is not finite");
                }
            }
        }

        // The facade of nanoFramework's System.Math used here carries no Abs/Sqrt: both are derived locally.
        internal static float Abs(float x)
        {
            return x < 0 ? -x : x;
        }

        internal static double Sqrt(double x)
        {
            if (!(x > 0))
            {
                return 0;
            }

            // exp(log(x)/2) is within a few ulps; one Newton step makes it as exact as double allows.
            double s = Math.Exp(0.5 * Math.Log(x));
            return 0.5 * (s + x / s);
        }

        // a ranks below b: smaller magnitude, or equal magnitude and higher index.
        private static bool Worse(float[] values, int a, int b)
        {
            float x = Abs(values[a]);
            float y = Abs(values[b]);
            return x < y || (x == y && a > b);
        }

        private static void SiftUp(float[] values, int[] heap, int i)
        {
            while (i > 0)
            {
                int parent = (i - 1) / 2;
                if (!Worse(values, heap[i], heap[parent]))
                {
                    return;
                }

                int t = heap[i];
                heap[i] = heap[parent];
                heap[parent] = t;
                i = parent;
            }
        }

        private static void SiftDown(float[] values, int[] heap, int i, int size)
        {
            while (true)
            {
                int left = 2 * i + 1;
                if (left >= size)
                {
                    return;
                }

                int worst = left;
                if (left + 1 < size && Worse(values, heap[left + 1], heap[left]))
                {
                    worst = left + 1;
                }

                if (!Worse(values, heap[worst], heap[i]))
                {
                    return;
                }

                int t = heap[i];
                heap[i] = heap[worst];
                heap[worst] = t;
                i = worst;
            }
        }

        // Array.Sort is missing on nanoFramework: in-place heap sort, no allocation.
        private static void SortAscending(int[] a)
        {
            int n = a.Length;
            for (int start = n / 2 - 1; start >= 0; start--)
            {
                MaxSiftDown(a, start, n);
            }

            for (int end = n - 1; end > 0; end--)
            {
                int t = a[0];
                a[0] = a[end];
                a[end] = t;
                MaxSiftDown(a, 0, end);
            }
        }

        private static void MaxSiftDown(int[] a, int i, int size)
        {
            while (true)
            {
                int left = 2 * i + 1;
                if (left >= size)
                {
                    return;
                }

                int big = left;
                if (left + 1 < size && a[left + 1] > a[left])
                {
                    big = left + 1;
                }

                if (a[big] <= a[i])
                {
                    return;
                }

                int t = a[i];
                a[i] = a[big];
                a[big] = t;
                i = big;
            }
        }
    }

    /// <summary>
    /// Encodes successive updates with error feedback: each round it encodes delta + residual and keeps
    /// residual = (delta + residual) - decoded, so what quantization and top-k drop is sent later instead
    /// of lost. The residual arrays are allocated once, and double as the working buffer (no per-round copy).
    /// Clip the true delta with <see cref="DeltaCodec.ClipL2(float[][], float)"/> before calling Encode.
    /// </summary>
    public sealed class DeltaEncoder
    {
        private readonly string[] _names;
        private readonly float[][] _residual;
        private readonly float _keepFraction;
        private readonly bool _errorFeedback;
        private readonly Random _rng;

        /// <param name="keepFraction">Top-k fraction per tensor in (0, 1); 0 or 1 sends every tensor dense.</param>
        public DeltaEncoder(string[] names, int[] sizes, float keepFraction, bool errorFeedback, Random rng)
        {
            if (names.Length != sizes.Length || names.Length == 0 || names.Length > ModelDelta.MaxTensors)
            {
                throw new ArgumentException("one size per name, 1 to " + ModelDelta.MaxTensors + " tensors");
            }

            _names = names;
            _residual = new float[names.Length][];
            for (int i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] <= 0)
                {
                    throw new ArgumentException(names[i] + ": size " + sizes[i]);
                }

                _residual[i] = new float[sizes[i]];
            }

            _keepFraction = keepFraction;
            _errorFeedback = errorFeedback;
            _rng = rng;
        }

        public int TensorCount
        {
            get { return _names.Length; }
        }

        /// <summary>The live residual of one tensor (kept across rounds; persist it to survive a reboot).</summary>
        public float[] Residual(int tensor)
        {
            return _residual[tensor];
        }

        public void ResetResidual()
        {
            for (int t = 0; t < _residual.Length; t++)
            {
                float[] r = _residual[t];
                for (int i = 0; i < r.Length; i++)
                {
                    r[i] = 0;
                }
            }
        }

        public ModelDelta Encode(string roundId, string baseVariantId, uint sampleCount, float[][] deltas)
        {
            if (deltas.Length != _names.Length)
            {
                throw new ArgumentException("one delta per tensor");
            }

            // Check everything before touching any residual, so a bad input leaves the encoder unchanged.
            for (int t = 0; t < deltas.Length; t++)
            {
                if (deltas[t].Length != _residual[t].Length)
                {
                    throw new ArgumentException(_names[t] + ": length " + deltas[t].Length + ", expected " + _residual[t].Length);
                }

                DeltaCodec.CheckFinite(deltas[t]);
            }

            ModelDelta d = new ModelDelta();
            d.RoundId = roundId;
            d.BaseVariantId = baseVariantId;
            d.SampleCount = sampleCount;
            d.Tensors = new DeltaTensor[deltas.Length];
            for (int t = 0; t < deltas.Length; t++)
            {
                d.Tensors[t] = EncodeTensor(t, deltas[t]);
            }

            return d;
        }

        private DeltaTensor EncodeTensor(int index, float[] delta)
        {
            float[] acc = _residual[index];
            int n = acc.Length;
            for (int i = 0; i < n; i++)
            {
                acc[i] += delta[i];
            }

            DeltaTensor t = new DeltaTensor();
            t.Name = _names[index];
            t.ElementCount = n;
            int k = DeltaCodec.SparseCount(n, _keepFraction);
            if (k >= n)
            {
                t.Encoding = ModelDelta.EncodingDense;
                t.Values = new sbyte[n];
                t.Scale = DeltaCodec.Quantize(acc, _rng, t.Values);
                for (int i = 0; i < n; i++)
                {
                    acc[i] -= t.Values[i] * t.Scale;
                }
            }
            else
            {
                t.Encoding = ModelDelta.EncodingTopK;
                t.Indexes = DeltaCodec.TopK(acc, k);
                float[] picked = new float[k];
                for (int j = 0; j < k; j++)
                {
                    picked[j] = acc[t.Indexes[j]];
                }

                t.Values = new sbyte[k];
                t.Scale = DeltaCodec.Quantize(picked, _rng, t.Values);
                for (int j = 0; j < k; j++)
                {
                    acc[t.Indexes[j]] -= t.Values[j] * t.Scale;
                }
            }

            if (!_errorFeedback)
            {
                for (int i = 0; i < n; i++)
                {
                    acc[i] = 0;
                }
            }

            return t;
        }
    }
}
