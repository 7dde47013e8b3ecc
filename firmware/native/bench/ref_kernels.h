/* Prototypes of ref_names.h's renamed reference kernels, for the images that hold both paths. */
#ifndef TML_REF_KERNELS_H
#define TML_REF_KERNELS_H

#include "tml_kernels.h"

void ref_fully_connected(const tml_quant *quant, int32_t inputs, int32_t units, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, const int32_t *multipliers,
                         const int32_t *shifts, int8_t *output);
void ref_conv2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                const tml_window *window, const int8_t *input, const int8_t *weights, const int32_t *bias,
                const int32_t *multipliers, const int32_t *shifts, int8_t *output);
void ref_depthwise_conv2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                          const tml_window *window, int32_t depth_multiplier, const int8_t *input,
                          const int8_t *weights, const int32_t *bias, const int32_t *multipliers,
                          const int32_t *shifts, int8_t *output);
void ref_add(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             const int32_t *larger_terms, const int32_t *smaller_terms, int32_t output_multiplier,
             int32_t output_shift, int8_t *output);
void ref_mul(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             int32_t larger_zero_point, int32_t smaller_zero_point, int32_t multiplier, int32_t shift,
             int8_t *output);
void ref_average_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                        const tml_window *window, const int8_t *input, int8_t *output);
void ref_max_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                    const tml_window *window, const int8_t *input, int8_t *output);

#endif
