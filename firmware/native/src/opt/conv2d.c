/*
 * 2-D convolution, optimised paths (tml_path.h). Per output position the valid taps of one kernel row are one
 * contiguous run of (valid kx) * in_c bytes in the HWC input and in the OHWI weights, so each row is one dot
 * product, TML_DOT_ROWS output channels at a time. Bit-exact with the reference in ../conv2d.c.
 */
#include "tml_kernels.h"
#include "tml_dot.h"
#include "../tml_window.h"

#if TML_PATH != TML_PATH_REFERENCE

void tml_conv2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                const tml_window *window, const int8_t *input, const int8_t *weights, const int32_t *bias,
                const int32_t *multipliers, const int32_t *shifts, int8_t *output)
{
    int32_t in_h = input_shape->h;
    int32_t in_w = input_shape->w;
    int32_t in_c = input_shape->c;
    int32_t out_c = output_shape->c;
    int32_t kh = window->kernel_h;
    int32_t kw = window->kernel_w;
    int32_t filter = kh * kw * in_c;
    int32_t in_zp = quant->input_zero_point;
    uint32_t acc[TML_DOT_ROWS];
    int32_t oy;
    int32_t ox;
    int32_t oc;
    int32_t ky;
    int32_t r;
    for (oy = 0; oy < output_shape->h; oy++) {
        int32_t iy0 = (oy * window->stride_h) - window->pad_top;
        int32_t ky_start;
        int32_t ky_end;
        tml_window_taps(iy0, kh, in_h, &ky_start, &ky_end);
        for (ox = 0; ox < output_shape->w; ox++) {
            int32_t ix0 = (ox * window->stride_w) - window->pad_left;
            int32_t kx_start;
            int32_t kx_end;
            tml_window_taps(ix0, kw, in_w, &kx_start, &kx_end);
            int32_t run = (kx_end - kx_start) * in_c;
            const int8_t *x0 = input + ((ix0 + kx_start) * in_c);
            int8_t *out = output + (((oy * output_shape->w) + ox) * out_c);
            for (oc = 0; oc + TML_DOT_ROWS <= out_c; oc += TML_DOT_ROWS) {
                for (r = 0; r < TML_DOT_ROWS; r++) {
                    acc[r] = (uint32_t)bias[oc + r];
                }

                for (ky = ky_start; ky < ky_end; ky++) {
                    tml_dot_rows(x0 + ((iy0 + ky) * in_w * in_c), weights + (oc * filter) + (((ky * kw) + kx_start) * in_c),
                                 filter, run, in_zp, acc);
                }

                for (r = 0; r < TML_DOT_ROWS; r++) {
                    out[oc + r] = tml_requantize_fast((int32_t)acc[r], multipliers[oc + r], shifts[oc + r],
                                                 quant->output_zero_point, quant->act_min, quant->act_max);
                }
            }

            for (; oc < out_c; oc++) {
                uint32_t sum = (uint32_t)bias[oc];
                for (ky = ky_start; ky < ky_end; ky++) {
                    sum = tml_dot(x0 + ((iy0 + ky) * in_w * in_c), weights + (oc * filter) + (((ky * kw) + kx_start) * in_c),
                                  run, in_zp, sum);
                }

                out[oc] = tml_requantize_fast((int32_t)sum, multipliers[oc], shifts[oc], quant->output_zero_point,
                                         quant->act_min, quant->act_max);
            }
        }
    }
}

#endif
