/*
 * The fixed-point quantization math of the native kernels: the C twin of
 * shared/TinyMLOps.Shared/Quantization/QuantMath.cs, bit for bit (docs/model-format.md, "Arithmetic").
 * Kernels call these functions and never redo the arithmetic themselves.
 * C99, no allocation, no libm. Assumes two's complement, arithmetic right shifts of signed values and
 * modular unsigned-to-signed conversion, as gcc defines them on every target we build for.
 */
#ifndef TML_QUANT_MATH_H
#define TML_QUANT_MATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TML_INT8_MIN (-128)
#define TML_INT8_MAX 127

/* Requantized values saturate at +-2^30 so that adding a zero point can never wrap. */
#define TML_REQUANTIZE_LIMIT (1 << 30)

/* Fused activations, as stored in the model format. */
#define TML_ACTIVATION_NONE 0
#define TML_ACTIVATION_RELU 1
#define TML_ACTIVATION_RELU6 2

#define TML_OK 0
#define TML_OUT_OF_RANGE (-1)

/* round(x * multiplier * 2^(shift - 31)) in one 64-bit step, ties toward +infinity, saturated at +-2^30. */
int32_t tml_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

/*
 * Splits a positive real multiplier into a Q31 significand in [2^30, 2^31) and a shift, so that
 * real ~ multiplier * 2^(shift - 31). Non-positive, infinite and tiny values give 0, 0.
 * Returns TML_OUT_OF_RANGE (and 0, 0) for a multiplier of 2^30 or more, which the format refuses.
 */
int tml_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift);

/*
 * Per-channel constants (input scale * weight scale[c]) / output scale for count channels.
 * Returns TML_OK, or the first channel whose multiplier is out of range plus one, negated.
 */
int tml_quantize_channel_multipliers(float input_scale, const float *weight_scales, float output_scale,
                                     int32_t count, int32_t *multipliers, int32_t *shifts);

/* Round half away from zero (TfLiteRound), saturated to the int32 range. */
int32_t tml_round_to_int(double value);

/* The int8 output range of a fused activation, in the output's quantized domain. */
void tml_activation_range(int32_t activation, float output_scale, int32_t output_zero_point,
                          int32_t *act_min, int32_t *act_max);

/* The left shift of Add's centred inputs (QuantMath.AddLeftShift). */
#define TML_ADD_LEFT_SHIFT 20

/*
 * The multipliers of an int8 Add: s_i / (2 max(s1, s2)) per input and 2 max(s1, s2) / (2^20 s_out) for the sum.
 * Returns TML_OUT_OF_RANGE when one is out of range.
 */
int tml_prepare_add(float scale1, float scale2, float output_scale, int32_t *multiplier1, int32_t *shift1,
                    int32_t *multiplier2, int32_t *shift2, int32_t *output_multiplier, int32_t *output_shift);

/* One input's term of an int8 Add: M_i((x - zp) * 2^20). */
int32_t tml_add_term(int32_t x, int32_t zero_point, int32_t multiplier, int32_t shift);

/* The multiplier of a spatial mean over count positions: s_in / (count s_out). */
int tml_prepare_mean(float input_scale, float output_scale, int32_t count, int32_t *multiplier, int32_t *shift);

/* The single multiplier of an int8 Mul: s1 s2 / s_out. */
int tml_prepare_mul(float scale1, float scale2, float output_scale, int32_t *multiplier, int32_t *shift);

/*
 * Fills a 256-entry table (index x + 128) requantizing int8 values from one quantization to another:
 * clamp(zp_out + M(x - zp_in)), M = s_in / s_out (QuantMath.FillRequantizeTable).
 */
int tml_prepare_requantize_table(float input_scale, int32_t input_zero_point, float output_scale,
                                 int32_t output_zero_point, int8_t *table);

/* The int8 output of one channel: clamp(M(acc) + output zero point, act_min, act_max). */
static inline int8_t tml_requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_zero_point,
                                    int32_t act_min, int32_t act_max)
{
    int32_t q = tml_multiply_by_quantized_multiplier(acc, multiplier, shift) + output_zero_point;
    return (int8_t)(q < act_min ? act_min : (q > act_max ? act_max : q));
}

#ifdef __cplusplus
}
#endif

#endif
