/* Constant padding: the twin of Kernels/Pad.cs (reference path: one output element at a time). */
#include "tml_kernels.h"

void tml_pad(const tml_shape *input_shape, int32_t pad_top, int32_t pad_bottom, int32_t pad_left, int32_t pad_right,
             int32_t zero_point, const int8_t *input, int8_t *output)
{
    int32_t out_h = pad_top + input_shape->h + pad_bottom;
    int32_t out_w = pad_left + input_shape->w + pad_right;
    int32_t c = input_shape->c;
    int32_t y;
    int32_t x;
    int32_t ch;
    for (y = 0; y < out_h; y++) {
        int32_t iy = y - pad_top;
        for (x = 0; x < out_w; x++) {
            int32_t ix = x - pad_left;
            int inside = iy >= 0 && iy < input_shape->h && ix >= 0 && ix < input_shape->w;
            for (ch = 0; ch < c; ch++) {
                *output++ = inside ? input[(((iy * input_shape->w) + ix) * c) + ch] : (int8_t)zero_point;
            }
        }
    }
}
