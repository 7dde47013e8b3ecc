/* The quantization math; see tml_quant_math.h and QuantMath.cs, which this follows line for line. */
#include "tml_quant_math.h"

int32_t tml_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t total_shift = 31 - shift;
    int64_t result;
    if (total_shift > 62) {
        return 0;
    }

    if (total_shift < 1) {
        /* tml_quantize_multiplier never gives such a shift; saturate rather than wrap. */
        return x == 0 || multiplier == 0 ? 0 : (x > 0 ? TML_REQUANTIZE_LIMIT : -TML_REQUANTIZE_LIMIT);
    }

    /* |x * multiplier| < 2^62 and the rounding term is at most 2^61: no overflow. */
    result = (((int64_t)x * multiplier) + ((int64_t)1 << (total_shift - 1))) >> total_shift;
    return result > TML_REQUANTIZE_LIMIT ? TML_REQUANTIZE_LIMIT
         : (result < -TML_REQUANTIZE_LIMIT ? -TML_REQUANTIZE_LIMIT : (int32_t)result);
}

int tml_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
    double q = real;
    int32_t exponent = 0;
    int64_t q_fixed;
    *multiplier = 0;
    *shift = 0;
    /* Also false for NaN; the second test is "not infinite" without isinf. */
    if (!(real > 0.0) || real - real != 0.0) {
        return TML_OK;
    }

    /* frexp by halving and doubling (exact), as the C# does: the same exponent on every board. */
    while (q >= 1.0) {
        q *= 0.5;
        exponent++;
    }

    while (q < 0.5) {
        q *= 2.0;
        exponent--;
    }

    /* A cast, not floor(): the value is positive, so truncation is the floor. */
    q_fixed = (int64_t)((q * 2147483648.0) + 0.5);
    if (q_fixed == (int64_t)2147483648LL) {
        q_fixed /= 2;
        exponent++;
    }

    if (exponent < -31) {
        return TML_OK;
    }

    if (exponent > 30) {
        return TML_OUT_OF_RANGE;
    }

    *multiplier = (int32_t)q_fixed;
    *shift = exponent;
    return TML_OK;
}

int tml_quantize_channel_multipliers(float input_scale, const float *weight_scales, float output_scale,
                                     int32_t count, int32_t *multipliers, int32_t *shifts)
{
    int32_t c;
    for (c = 0; c < count; c++) {
        if (tml_quantize_multiplier((double)input_scale * weight_scales[c] / output_scale,
                                    &multipliers[c], &shifts[c]) != TML_OK) {
            return -(c + 1);
        }
    }

    return TML_OK;
}

int32_t tml_round_to_int(double value)
{
    if (value >= 2147483646.5) {
        return INT32_MAX;
    }

    if (value <= -2147483647.5) {
        return INT32_MIN;
    }

    return value >= 0 ? (int32_t)(value + 0.5) : -(int32_t)(-value + 0.5);
}

void tml_activation_range(int32_t activation, float output_scale, int32_t output_zero_point,
                          int32_t *act_min, int32_t *act_max)
{
    *act_min = TML_INT8_MIN;
    *act_max = TML_INT8_MAX;
    if (activation == TML_ACTIVATION_RELU || activation == TML_ACTIVATION_RELU6) {
        *act_min = output_zero_point > TML_INT8_MIN ? output_zero_point : TML_INT8_MIN;
    }

    if (activation == TML_ACTIVATION_RELU6) {
        /* Wraps like the C# int sum when the scale is absurdly small (the rounded value is then INT32_MAX). */
        int32_t six = (int32_t)((uint32_t)output_zero_point + (uint32_t)tml_round_to_int(6.0 / output_scale));
        *act_max = six < TML_INT8_MAX ? six : TML_INT8_MAX;
    }
}

int tml_prepare_add(float scale1, float scale2, float output_scale, int32_t *multiplier1, int32_t *shift1,
                    int32_t *multiplier2, int32_t *shift2, int32_t *output_multiplier, int32_t *output_shift)
{
    double twice_max = 2.0 * (scale1 > scale2 ? (double)scale1 : (double)scale2);
    int status = tml_quantize_multiplier(scale1 / twice_max, multiplier1, shift1);
    if (status == TML_OK) {
        status = tml_quantize_multiplier(scale2 / twice_max, multiplier2, shift2);
    }

    if (status == TML_OK) {
        status = tml_quantize_multiplier(twice_max / ((double)(1 << TML_ADD_LEFT_SHIFT) * output_scale),
                                         output_multiplier, output_shift);
    }

    return status;
}

int32_t tml_add_term(int32_t x, int32_t zero_point, int32_t multiplier, int32_t shift)
{
    /* |x - zp| <= 255, so the product stays far inside int32 (the C# << cannot overflow either). */
    return tml_multiply_by_quantized_multiplier((x - zero_point) * (1 << TML_ADD_LEFT_SHIFT), multiplier, shift);
}

int tml_prepare_mean(float input_scale, float output_scale, int32_t count, int32_t *multiplier, int32_t *shift)
{
    return tml_quantize_multiplier((double)input_scale / ((double)count * output_scale), multiplier, shift);
}

int tml_prepare_mul(float scale1, float scale2, float output_scale, int32_t *multiplier, int32_t *shift)
{
    return tml_quantize_multiplier((double)scale1 * scale2 / output_scale, multiplier, shift);
}

int tml_prepare_requantize_table(float input_scale, int32_t input_zero_point, float output_scale,
                                 int32_t output_zero_point, int8_t *table)
{
    int32_t multiplier;
    int32_t shift;
    int32_t x;
    int status = tml_quantize_multiplier((double)input_scale / output_scale, &multiplier, &shift);
    if (status != TML_OK) {
        return status;
    }

    for (x = TML_INT8_MIN; x <= TML_INT8_MAX; x++) {
        table[x + 128] = tml_requantize(x - input_zero_point, multiplier, shift, output_zero_point,
                                        TML_INT8_MIN, TML_INT8_MAX);
    }

    return TML_OK;
}
