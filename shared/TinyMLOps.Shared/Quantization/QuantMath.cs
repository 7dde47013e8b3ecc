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

        /// <summary>
        /// The left shift applied to both centred inputs of an int8 Add before they are scaled (TFLite's
        /// <c>left_shift</c>): |x - zp| ≤ 255 becomes at most 2^28, so the sum of the two scaled terms fits an int.
        /// </summary>
        public const int AddLeftShift = 20;

        /// <summary>
        /// The constants of TFLite's int8 Add: each input's multiplier s_i / (2 max(s1, s2)) (at most 1/2) and the
        /// output's 2 max(s1, s2) / (2^20 s_out), so that out = zp_out + M_out(M_1((x1 - zp1) · 2^20) + M_2((x2 - zp2) · 2^20)),
        /// each M one <see cref="MultiplyByQuantizedMultiplier"/>. Throws ArgumentException when the output multiplier is
        /// out of range.
        /// </summary>
        public static void PrepareAdd(float scale1, float scale2, float outputScale, out int multiplier1, out int shift1, out int multiplier2, out int shift2, out int outputMultiplier, out int outputShift)
        {
            double twiceMax = 2.0 * (scale1 > scale2 ? (double)scale1 : scale2);
            QuantizeMultiplier(scale1 / twiceMax, out multiplier1, out shift1);
            QuantizeMultiplier(scale2 / twiceMax, out multiplier2, out shift2);
            QuantizeMultiplier(twiceMax / ((1 << AddLeftShift) * (double)outputScale), out outputMultiplier, out outputShift);
        }

        /// <summary>One input's term of an int8 Add: M_i((x - zp) · 2^20), computed by the kernel once per int8 value.</summary>
        public static int AddTerm(int x, int zeroPoint, int multiplier, int shift)
        {
            return MultiplyByQuantizedMultiplier((x - zeroPoint) << AddLeftShift, multiplier, shift);
        }

        /// <summary>The single multiplier of an int8 Mul: s1 · s2 / s_out. Throws ArgumentException when out of range.</summary>
        public static void PrepareMul(float scale1, float scale2, float outputScale, out int multiplier, out int shift)
        {
            QuantizeMultiplier((double)scale1 * scale2 / outputScale, out multiplier, out shift);
        }

        /// <summary>The multiplier of a spatial mean over count positions: s_in / (count · s_out). Throws ArgumentException when out of range.</summary>
        public static void PrepareMean(float inputScale, float outputScale, int count, out int multiplier, out int shift)
        {
            QuantizeMultiplier((double)inputScale / ((double)count * outputScale), out multiplier, out shift);
        }

        /// <summary>
        /// Fills a 256-entry table (index x + 128) that requantizes an int8 value from one quantization to another:
        /// clamp(zp_out + M(x - zp_in)), M = s_in / s_out in one <see cref="MultiplyByQuantizedMultiplier"/> (single
        /// rounding, ties toward +infinity). Throws ArgumentException when the multiplier is out of range.
        /// </summary>
        public static void FillRequantizeTable(sbyte[] table, float inputScale, int inputZeroPoint, float outputScale, int outputZeroPoint)
        {
            if (table == null || table.Length != 256)
            {
                throw new ArgumentException("the requantization table has 256 entries");
            }

            int multiplier;
            int shift;
            QuantizeMultiplier((double)inputScale / outputScale, out multiplier, out shift);
            for (int x = Int8Min; x <= Int8Max; x++)
            {
                table[x + 128] = (sbyte)ClampInt8(MultiplyByQuantizedMultiplier(x - inputZeroPoint, multiplier, shift) + outputZeroPoint);
            }
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
