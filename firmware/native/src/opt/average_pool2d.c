/*
 * Average pooling, optimised paths (tml_path.h): four adjacent channels at a time in four local sums, walking the
 * window's valid taps with running pointers (one channel at a time for the last c % 4). Integer sums in another
 * order are the same sums: bit-exact with the reference in ../average_pool2d.c.
 */
#include "tml_kernels.h"
#include "../tml_path.h"
#include "../tml_window.h"

#if TML_PATH != TML_PATH_REFERENCE

static int8_t tml_average(int32_t sum, int32_t count, int32_t act_min, int32_t act_max)
{
    int32_t avg = sum > 0 ? (sum + (count / 2)) / count : (sum - (count / 2)) / count;
    return (int8_t)(avg < act_min ? act_min : (avg > act_max ? act_max : avg));
}

void tml_average_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                        const tml_window *window, const int8_t *input, int8_t *output)
{
    int32_t c = input_shape->c;
    int32_t row = input_shape->w * c;
    int32_t block = c - (c % 4);
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
            int32_t count = (y_end - y_start) * (x_end - x_start);
            const int8_t *corner = input + (y_start * row) + (x_start * c);
            for (ch = 0; ch < block; ch += 4) {
                int32_t s0 = 0;
                int32_t s1 = 0;
                int32_t s2 = 0;
                int32_t s3 = 0;
                for (y = y_start; y < y_end; y++) {
                    const int8_t *p = corner + ((y - y_start) * row) + ch;
                    for (x = x_start; x < x_end; x++) {
                        s0 += p[0];
                        s1 += p[1];
                        s2 += p[2];
                        s3 += p[3];
                        p += c;
                    }
                }

                output[ch] = tml_average(s0, count, quant->act_min, quant->act_max);
                output[ch + 1] = tml_average(s1, count, quant->act_min, quant->act_max);
                output[ch + 2] = tml_average(s2, count, quant->act_min, quant->act_max);
                output[ch + 3] = tml_average(s3, count, quant->act_min, quant->act_max);
            }

            for (; ch < c; ch++) {
                int32_t sum = 0;
                for (y = y_start; y < y_end; y++) {
                    const int8_t *p = corner + ((y - y_start) * row) + ch;
                    for (x = x_start; x < x_end; x++) {
                        sum += *p;
                        p += c;
                    }
                }

                output[ch] = tml_average(sum, count, quant->act_min, quant->act_max);
            }

            output += c;
        }
    }
}

#endif
