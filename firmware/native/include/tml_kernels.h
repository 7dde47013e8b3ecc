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

#ifdef __cplusplus
}
#endif

#endif
