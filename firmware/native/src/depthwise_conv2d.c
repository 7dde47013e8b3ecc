/* Depthwise convolution: the twin of Kernels/DepthwiseConv2D.cs (reference path, padded taps skipped). */
#include "tml_kernels.h"
#include "tml_path.h"

/* The optimised paths are in opt/depthwise_conv2d.c. */
#if TML_PATH == TML_PATH_REFERENCE

void tml_depthwise_conv2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                          const tml_window *window, int32_t depth_multiplier, const int8_t *input,
                          const int8_t *weights, const int32_t *bias, const int32_t *multipliers,
                          const int32_t *shifts, int8_t *output)
{
    int32_t in_h = input_shape->h;
    int32_t in_w = input_shape->w;
    int32_t in_c = input_shape->c;
    int32_t out_c = output_shape->c;
    int32_t kh = window->kernel_h;
    int32_t kw = window->kernel_w;
    int32_t in_zp = quant->input_zero_point;
    int32_t oy;
    int32_t ox;
    int32_t oc;
    int32_t ky;
    int32_t kx;
    for (oy = 0; oy < output_shape->h; oy++) {
        int32_t iy0 = (oy * window->stride_h) - window->pad_top;
        for (ox = 0; ox < output_shape->w; ox++) {
            int32_t ix0 = (ox * window->stride_w) - window->pad_left;
            int8_t *out = output + (((oy * output_shape->w) + ox) * out_c);
            for (oc = 0; oc < out_c; oc++) {
                int32_t ic = oc / depth_multiplier;
                uint32_t acc = (uint32_t)bias[oc];
                for (ky = 0; ky < kh; ky++) {
                    int32_t iy = iy0 + ky;
                    if (iy < 0 || iy >= in_h) {
                        continue;
                    }

                    for (kx = 0; kx < kw; kx++) {
                        int32_t ix = ix0 + kx;
                        if (ix < 0 || ix >= in_w) {
                            continue;
                        }

                        acc += (uint32_t)((input[(((iy * in_w) + ix) * in_c) + ic] - in_zp)
                                          * weights[(((ky * kw) + kx) * out_c) + oc]);
                    }
                }

                out[oc] = tml_requantize((int32_t)acc, multipliers[oc], shifts[oc], quant->output_zero_point,
                                         quant->act_min, quant->act_max);
            }
        }
    }
}

#endif
