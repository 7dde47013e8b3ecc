/*
 * The int8 kernels of the TinyMLOps runtime in C99: bit-exact twins of the C# kernels in shared/TinyMLOps.Shared/Kernels,
 * one kernel per source file, all arithmetic in tml_quant_math.h. Tensors are int8, batch 1, HWC; weights are
 * symmetric int8 per output channel (docs/model-format.md). The kernels allocate nothing and work on the
 * caller's buffers; shapes and parameters are checked once by the caller (the C# Prepare), not here.
 *
 * Accumulators add in uint32_t and are read back as int32_t: an overflowing sum wraps exactly as the C# int
 * sum does, where a signed int32_t sum would be undefined behaviour.
 */
#ifndef TML_KERNELS_H
#define TML_KERNELS_H

#include <stdint.h>
#include "tml_quant_math.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The quantization of one layer: zero points in [-128, 127], the fused activation's int8 range. */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t act_min;
    int32_t act_max;
} tml_quant;

/* An HWC shape. */
typedef struct {
    int32_t h;
    int32_t w;
    int32_t c;
} tml_shape;

/* The sliding window of a convolution: kernel, stride, explicit padding (Kernels/Window.cs). */
typedef struct {
    int32_t kernel_h;
    int32_t kernel_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t pad_top;
    int32_t pad_left;
    int32_t pad_bottom;
    int32_t pad_right;
} tml_window;

/*
 * out[o] = requant(bias[o] + sum_i (in[i] - in_zp) * w[o][i]) for o < units, i < inputs.
 * weights: [units][inputs]; bias, multipliers, shifts: [units].
 */
void tml_fully_connected(const tml_quant *quant, int32_t inputs, int32_t units,
                         const int8_t *input, const int8_t *weights, const int32_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int8_t *output);

/*
 * 2-D convolution of an input_shape HWC input into an output_shape HWC output. weights: OHWI
 * [out c][kernel h][kernel w][in c]; bias, multipliers, shifts: [out c]. Padded positions hold the input zero
 * point, so they add nothing and are skipped.
 */
void tml_conv2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                const tml_window *window, const int8_t *input, const int8_t *weights, const int32_t *bias,
                const int32_t *multipliers, const int32_t *shifts, int8_t *output);

/*
 * Depthwise convolution: input channel ic feeds output channels ic*m .. ic*m+m-1 (m = depth_multiplier,
 * output_shape->c = input_shape->c * m). weights: [kernel h][kernel w][out c]; bias, multipliers, shifts: [out c].
 */
void tml_depthwise_conv2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                          const tml_window *window, int32_t depth_multiplier, const int8_t *input,
                          const int8_t *weights, const int32_t *bias, const int32_t *multipliers,
                          const int32_t *shifts, int8_t *output);

/*
 * Average pooling over the valid part of each window (padding not counted), rounded half away from zero, clamped
 * to [act_min, act_max]. Input and output share quantization, so only the activation range of quant is read.
 */
void tml_average_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                        const tml_window *window, const int8_t *input, int8_t *output);

/* Max pooling over the valid part of each window, clamped to [act_min, act_max]. */
void tml_max_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                    const tml_window *window, const int8_t *input, int8_t *output);

/*
 * The 256-entry term table of one Add input (index x + 128): M_i((x - zp) * 2^20), built at load from the
 * multipliers of tml_prepare_add. The C# kernel builds the same table in its Prepare.
 */
void tml_add_prepare_terms(int32_t zero_point, int32_t multiplier, int32_t shift, int32_t *terms);

/*
 * Elementwise Add of count elements: the larger input is walked once, the smaller one restarts every cycle
 * elements (its whole size, C or 1: broadcast). out = clamp(M_out(big_terms[x] + small_terms[y]) + out zp).
 */
void tml_add(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             const int32_t *larger_terms, const int32_t *smaller_terms, int32_t output_multiplier,
             int32_t output_shift, int8_t *output);

/*
 * Softmax over the channels of each of positions positions; output scale 1/256, zero point -128.
 * exp_table[d] = round(exp(-d * input scale) * 2^20) for d in 0..255 is passed in by the caller (the C# kernel
 * builds it at load with Math.Exp): the library has no libm, and a table from another exp could differ by a ulp.
 */
void tml_softmax(int32_t positions, int32_t channels, const int32_t *exp_table, const int8_t *input, int8_t *output);

/*
 * Mean over H and W: per channel the integer sum of (x - input zp) over h*w positions, requantized once by the
 * multiplier of tml_prepare_mean. sums: caller scratch of input_shape->c int32.
 */
void tml_mean(const tml_quant *quant, const tml_shape *input_shape, int32_t multiplier, int32_t shift,
              const int8_t *input, int32_t *sums, int8_t *output);

/*
 * Elementwise Mul of count elements, broadcast as tml_add: out = clamp(M((x1 - zp1)(x2 - zp2)) + out zp), M from
 * tml_prepare_mul. The zero points are the larger and the smaller input's.
 */
void tml_mul(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             int32_t larger_zero_point, int32_t smaller_zero_point, int32_t multiplier, int32_t shift,
             int8_t *output);

/*
 * Concatenation of count inputs along axis (0 = H, 1 = W, 2 = C); every other dimension equal. tables[k] is NULL
 * for an input quantized like the output (a copy), else its 256-entry requantization table from
 * tml_prepare_requantize_table (index x + 128), built at load.
 */
void tml_concat(int32_t axis, int32_t count, const tml_shape *input_shapes, const int8_t *const *inputs,
                const int8_t *const *tables, const tml_shape *output_shape, int8_t *output);

/* Constant padding of H and W with the zero point: out is (top + h + bottom) x (left + w + right) x c. */
void tml_pad(const tml_shape *input_shape, int32_t pad_top, int32_t pad_bottom, int32_t pad_left, int32_t pad_right,
             int32_t zero_point, const int8_t *input, int8_t *output);

/* out[i] = table[in[i] + 128]: the 256-entry table is the model's own (Kernels/Lookup.cs), read in place. */
void tml_lookup(int32_t count, const int8_t *table, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif
