/*
 * Max pooling, optimised paths (tml_path.h): the window's first valid tap is copied to the output, every further
 * tap raises it channel by channel along contiguous bytes, then one clamp; on the Arm DSP path four channels per
 * word (SSUB8 sets a greater-or-equal flag per byte, SEL picks the bytes). Bit-exact with the reference in
 * ../max_pool2d.c.
 */
#include "tml_kernels.h"
#include "tml_dot.h"
#include "../tml_window.h"

#if TML_PATH != TML_PATH_REFERENCE

/* out[i] = max(out[i], in[i]) for i < n. */
static inline void tml_raise(int8_t *out, const int8_t *in, int32_t n)
{
    int32_t i = 0;
#if TML_PATH == TML_PATH_DSP
    for (; i + 4 <= n; i += 4) {
        uint32_t a = tml_load4(out + i);
        uint32_t b = tml_load4(in + i);
        uint32_t m;
        (void)__ssub8((int8x4_t)a, (int8x4_t)b); /* GE per byte where a >= b */
        m = __sel(a, b);
        __builtin_memcpy(out + i, &m, 4);
    }
#endif
    for (; i < n; i++) {
        out[i] = in[i] > out[i] ? in[i] : out[i];
    }
}

void tml_max_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                    const tml_window *window, const int8_t *input, int8_t *output)
{
    int32_t c = input_shape->c;
    int32_t row = input_shape->w * c;
    int32_t oy;
    int32_t ox;
    int32_t ch;
    int32_t y;
    int32_t x;
    for (oy = 0; oy < output_shape->h; oy++) {
        int32_t y0 = (oy * window->stride_h) - window->pad_top;
        int32_t y_start;
        int32_t y_end;
        tml_window_inputs(y0, window->kernel_h, input_shape->h, &y_start, &y_end);
        for (ox = 0; ox < output_shape->w; ox++) {
            int32_t x0 = (ox * window->stride_w) - window->pad_left;
            int32_t x_start;
            int32_t x_end;
            tml_window_inputs(x0, window->kernel_w, input_shape->w, &x_start, &x_end);
            int first = 1;
            for (y = y_start; y < y_end; y++) {
                const int8_t *p = input + (y * row) + (x_start * c);
                for (x = x_start; x < x_end; x++) {
                    if (first) {
                        for (ch = 0; ch < c; ch++) {
                            output[ch] = p[ch];
                        }

                        first = 0;
                    } else {
                        tml_raise(output, p, c);
                    }

                    p += c;
                }
            }

            /* An empty window (never from the C# Prepare) gives the reference's -128 before the clamp. */
            for (ch = 0; ch < c; ch++) {
                int32_t v = first ? TML_INT8_MIN : output[ch];
                output[ch] = (int8_t)(v < quant->act_min ? quant->act_min : (v > quant->act_max ? quant->act_max : v));
            }

            output += c;
        }
    }
}

#endif
