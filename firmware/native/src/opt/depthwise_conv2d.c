/*
 * Depthwise convolution, optimised paths (tml_path.h). With a depth multiplier of 1 four channels are adjacent in
 * the HWC input and in the [kh][kw][c] weights: each valid tap loads them together into four accumulators (on
 * the Arm DSP path as one word each, widened by SXTAB16/SXTB16 and multiplied lane by lane by SMLABB/SMLATT).
 * Other multipliers and the last channels take one channel at a time, with the valid taps found once per
 * position. Bit-exact with the reference in ../depthwise_conv2d.c.
 */
#include "tml_kernels.h"
#include "tml_dot.h"
#include "../tml_window.h"

#if TML_PATH != TML_PATH_REFERENCE

/*
 * acc[0..3] += (x - zp) * w over the valid taps of four adjacent channels: rows rows of taps taps each, x and w
 * at the first tap, x_row/w_row and x_step/w_step their strides between rows and between taps. The accumulators
 * stay in locals for the whole window (an array would go through memory at every tap).
 */
static inline void tml_window4(const int8_t *x, const int8_t *w, int32_t rows, int32_t taps, int32_t x_row,
                               int32_t w_row, int32_t x_step, int32_t w_step, int32_t zp, uint32_t *acc)
{
#if TML_PATH == TML_PATH_DSP
    int16x2_t offset = tml_lane_offset(zp);
    int32_t a0 = (int32_t)acc[0];
    int32_t a1 = (int32_t)acc[1];
    int32_t a2 = (int32_t)acc[2];
    int32_t a3 = (int32_t)acc[3];
#else
    uint32_t a0 = acc[0];
    uint32_t a1 = acc[1];
    uint32_t a2 = acc[2];
    uint32_t a3 = acc[3];
#endif
    int32_t r;
    int32_t t;
    for (r = 0; r < rows; r++) {
        const int8_t *xt = x;
        const int8_t *wt = w;
        for (t = 0; t < taps; t++) {
#if TML_PATH == TML_PATH_DSP
            uint32_t xv = tml_load4(xt);
            uint32_t wv = tml_load4(wt);
            int16x2_t x_even = __sxtab16(offset, (int8x4_t)xv);
            int16x2_t x_odd = tml_sxtab16_odd(offset, xv);
            int16x2_t w_even = __sxtb16((int8x4_t)wv);
            int16x2_t w_odd = tml_sxtb16_odd(wv);
            a0 = __smlabb(x_even, w_even, a0);
            a2 = __smlatt(x_even, w_even, a2);
            a1 = __smlabb(x_odd, w_odd, a1);
            a3 = __smlatt(x_odd, w_odd, a3);
#else
            a0 += (uint32_t)((xt[0] - zp) * wt[0]);
            a1 += (uint32_t)((xt[1] - zp) * wt[1]);
            a2 += (uint32_t)((xt[2] - zp) * wt[2]);
            a3 += (uint32_t)((xt[3] - zp) * wt[3]);
#endif
            xt += x_step;
            wt += w_step;
        }

        x += x_row;
        w += w_row;
    }

    acc[0] = (uint32_t)a0;
    acc[1] = (uint32_t)a1;
    acc[2] = (uint32_t)a2;
    acc[3] = (uint32_t)a3;
}

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
    int32_t block = depth_multiplier == 1 ? out_c - (out_c % 4) : 0;
    uint32_t acc[4];
    int32_t oy;
    int32_t ox;
    int32_t oc;
    int32_t ky;
    int32_t kx;
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
            int8_t *out = output + (((oy * output_shape->w) + ox) * out_c);
            for (oc = 0; oc < block; oc += 4) {
                for (r = 0; r < 4; r++) {
                    acc[r] = (uint32_t)bias[oc + r];
                }

                tml_window4(input + ((((iy0 + ky_start) * in_w) + ix0 + kx_start) * in_c) + oc,
                            weights + (((ky_start * kw) + kx_start) * out_c) + oc, ky_end - ky_start,
                            kx_end - kx_start, in_w * in_c, kw * out_c, in_c, out_c, in_zp, acc);

                for (r = 0; r < 4; r++) {
                    out[oc + r] = tml_requantize_fast((int32_t)acc[r], multipliers[oc + r], shifts[oc + r],
                                                 quant->output_zero_point, quant->act_min, quant->act_max);
                }
            }

            for (; oc < out_c; oc++) {
                uint32_t sum = (uint32_t)bias[oc];
                for (ky = ky_start; ky < ky_end; ky++) {
                    const int8_t *x = input + ((((iy0 + ky) * in_w) + ix0 + kx_start) * in_c) + (oc / depth_multiplier);
                    const int8_t *w = weights + (((ky * kw) + kx_start) * out_c) + oc;
                    for (kx = kx_start; kx < kx_end; kx++) {
                        sum += (uint32_t)((*x - in_zp) * *w);
                        x += in_c;
                        w += out_c;
                    }
                }

                out[oc] = tml_requantize_fast((int32_t)sum, multipliers[oc], shifts[oc], quant->output_zero_point,
                                         quant->act_min, quant->act_max);
            }
        }
    }
}

#endif
