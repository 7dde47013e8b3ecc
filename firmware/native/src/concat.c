/* Concatenation: the twin of Kernels/Concat.cs; the requantization tables come from tml_prepare_requantize_table. */
#include "tml_kernels.h"

void tml_concat(int32_t axis, int32_t count, const tml_shape *input_shapes, const int8_t *const *inputs,
                const int8_t *const *tables, const tml_shape *output_shape, int8_t *output)
{
    /* In HWC order each input is outer blocks of (its extent along the axis) x inner elements. */
    int32_t inner = axis == 0 ? output_shape->w * output_shape->c : (axis == 1 ? output_shape->c : 1);
    int32_t outer = axis == 0 ? 1 : (axis == 1 ? output_shape->h : output_shape->h * output_shape->w);
    int32_t extent = axis == 0 ? output_shape->h : (axis == 1 ? output_shape->w : output_shape->c);
    int32_t start = 0;
    int32_t k;
    int32_t n;
    int32_t i;
    for (k = 0; k < count; k++) {
        const tml_shape *s = &input_shapes[k];
        int32_t block = (axis == 0 ? s->h : (axis == 1 ? s->w : s->c)) * inner;
        const int8_t *src = inputs[k];
        const int8_t *table = tables[k];
        for (n = 0; n < outer; n++) {
            int8_t *dst = output + (n * extent * inner) + start;
            for (i = 0; i < block; i++) {
                dst[i] = table == 0 ? src[i] : table[src[i] + 128];
            }

            src += block;
        }

        start += block;
    }
}
