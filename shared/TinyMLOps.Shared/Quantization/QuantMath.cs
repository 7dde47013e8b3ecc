using System;

namespace TinyMLOps.Shared.Quantization
{
    /// <summary>
    /// All fixed-point quantization math of the runtime (the TFLite / gemmlowp scheme). Kernels call these
    /// functions and never redo the arithmetic themselves, so device and host round identically.
    /// </summary>
    public static class QuantMath
    {
        public const int Int8Min = -128;
        public const int Int8Max = 127;

        /// <summary>Requantized values saturate at ±2^30, so that adding a zero point can never wrap around.</summary>
        public const int RequantizeLimit = 1 << 30;

        /// <summary>
        /// round(x * multiplier * 2^(shift - 31)) in one 64-bit step, ties toward +infinity: TFLite's single-rounding
        /// mode and CMSIS-NN's. (gemmlowp's two steps, a rounding doubling high multiply and then a rounding shift, keep
        /// only a few fractional bits in between when the multiplier is large and round twice.) The exported ONNX model
        /// computes the same integers (docs/model-format.md, "Requantization"). The result saturates at ±2^30
        /// (<see cref="RequantizeLimit"/>), far outside int8, so that the caller's zero point cannot wrap it.
        /// </summary>
        public static int MultiplyByQuantizedMultiplier(int x, int multiplier, int shift)
        {
            int totalShift = 31 - shift;
            if (totalShift > 62)
            {
                return 0;
            }

            if (totalShift < 1)
            {
                // QuantizeMultiplier never gives such a shift; saturate rather than wrap.
                return x == 0 || multiplier == 0 ? 0 : (x > 0 ? RequantizeLimit : -RequantizeLimit);
            }

            long result = (((long)x * multiplier) + (1L << (totalShift - 1))) >> totalShift;
            return result > RequantizeLimit ? RequantizeLimit : (result < -RequantizeLimit ? -RequantizeLimit : (int)result);
        }

        /// <summary>The requantization constants of one output channel: (input scale * weight scale) / output scale.</summary>
        public static void QuantizeChannelMultiplier(float inputScale, float weightScale, float outputScale, out int multiplier, out int shift)
        {
            QuantizeMultiplier((double)inputScale * weightScale / outputScale, out multiplier, out shift);
        }

        /// <summary>
        /// Splits a positive real multiplier into a Q31 significand in [2^30, 2^31) and a power-of-two shift,
        /// so that real ≈ multiplier * 2^(shift - 31).
        /// </summary>
        public static void QuantizeMultiplier(double real, out int multiplier, out int shift)
        {
            if (!(real > 0.0) || double.IsInfinity(real))
            {
                multiplier = 0;
                shift = 0;
                return;
            }

            // frexp without Math.Frexp (not in nanoFramework): halving and doubling are exact.
            double q = real;
            int exponent = 0;
            while (q >= 1.0)
            {
                q *= 0.5;
                exponent++;
            }

            while (q < 0.5)
            {
                q *= 2.0;
                exponent--;
            }

            // A cast, not Math.Floor: boards built for single-precision System.Math would round this 31-bit value to a float.
            long qFixed = (long)((q * 2147483648.0) + 0.5);
            if (qFixed == 2147483648L)
            {
                qFixed /= 2;
                exponent++;
            }

            if (exponent < -31)
            {
                multiplier = 0;
                shift = 0;
                return;
            }

            if (exponent > 30)
            {
                // A multiplier of 2^30 or more would overflow any int8 accumulator; the format rejects it.
                throw new ArgumentException("requantization multiplier out of range");
            }

            multiplier = (int)qFixed;
            shift = exponent;
        }

        /// <summary>Round half away from zero, like TfLiteRound / std::round.</summary>
        public static int RoundToInt(double value)
        {
            // Clamped before the cast: nanoFramework's double-to-int cast wraps out of range where .NET's saturates.
            if (value >= 2147483646.5)
            {
                return int.MaxValue;
            }

            if (value <= -2147483647.5)
            {
                return int.MinValue;
            }

            // Truncating casts of non-negative values are floors, in double on every board (Math.Floor may be floorf).
            return value >= 0 ? (int)(value + 0.5) : -(int)(-value + 0.5);
        }

        /// <summary>Clamps to the int8 range.</summary>
        public static int ClampInt8(int value)
        {
            return value < Int8Min ? Int8Min : (value > Int8Max ? Int8Max : value);
        }

        /// <summary>Affine quantization of a real value: clamp(round(x / scale) + zeroPoint).</summary>
        public static sbyte Quantize(float value, float scale, int zeroPoint)
        {
            // In long: a value rounded to int.MaxValue plus a positive zero point would wrap to a negative.
            long q = (long)RoundToInt(value / (double)scale) + zeroPoint;
            return (sbyte)(q < Int8Min ? Int8Min : (q > Int8Max ? Int8Max : q));
        }

        /// <summary>
        /// Fills a 256-entry table with the quantized input of each raw 8-bit value v (a pixel), read as the real value
        /// v / 255: what the interpreter, the drift monitor and the novelty score all feed the model.
        /// </summary>
        public static void FillPixelTable(sbyte[] table, float scale, int zeroPoint)
        {
            if (table == null || table.Length != 256)
            {
                throw new System.ArgumentException("the pixel table has 256 entries");
            }

            for (int v = 0; v < 256; v++)
            {
                table[v] = Quantize(v / 255f, scale, zeroPoint);
            }
        }

        public static float Dequantize(int q, float scale, int zeroPoint)
        {
            return (q - zeroPoint) * scale;
        }

        /// <summary>The int8 output range of a fused activation, in the output's quantized domain.</summary>
        public static void ActivationRange(int activation, float outputScale, int outputZeroPoint, out int min, out int max)
        {
            min = Int8Min;
            max = Int8Max;
            if (activation == Activation.Relu || activation == Activation.Relu6)
            {
                min = Math.Max(Int8Min, outputZeroPoint);
            }

            if (activation == Activation.Relu6)
            {
                max = Math.Min(Int8Max, outputZeroPoint + RoundToInt(6.0 / outputScale));
            }
        }
    }
}
