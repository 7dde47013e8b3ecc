/* Average pooling: the twin of Kernels/AveragePool2D.cs (reference path). */
#include "tml_kernels.h"
#include "tml_path.h"
#include "tml_window.h"

/* The optimised paths are in opt/average_pool2d.c. */
#if TML_PATH == TML_PATH_REFERENCE

void tml_average_pool2d(const tml_quant *quant, const tml_shape *input_shape, const tml_shape *output_shape,
                        const tml_window *window, const int8_t *input, int8_t *output)
{
    int32_t c = input_shape->c;
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
            for (ch = 0; ch < c; ch++) {
                /* At most 255 x 255 taps of |x| <= 128: the sum cannot wrap. */
                int32_t sum = 0;
                int32_t avg;
                for (y = y_start; y < y_end; y++) {
                    for (x = x_start; x < x_end; x++) {
                        sum += input[(((y * input_shape->w) + x) * c) + ch];
                    }
                }

                /* C99 division truncates toward zero, as C# does: half away from zero either way. */
                avg = sum > 0 ? (sum + (count / 2)) / count : (sum - (count / 2)) / count;
                *output++ = (int8_t)(avg < quant->act_min ? quant->act_min : (avg > quant->act_max ? quant->act_max : avg));
            }
        }
    }
}

#endif
