/* Mean over H and W: the twin of Kernels/Mean.cs; the multiplier comes from tml_prepare_mean. */
#include "tml_kernels.h"

void tml_mean(const tml_quant *quant, const tml_shape *input_shape, int32_t multiplier, int32_t shift,
              const int8_t *input, int32_t *sums, int8_t *output)
{
    int32_t c = input_shape->c;
    int32_t positions = input_shape->h * input_shape->w;
    int32_t bias;
    int32_t p;
    int32_t ch;
    for (ch = 0; ch < c; ch++) {
        sums[ch] = 0;
    }

    /* At most 2^23 positions (the C# Prepare refuses more): |sum| <= 128 * 2^23, no wrap. */
    for (p = 0; p < positions; p++) {
        for (ch = 0; ch < c; ch++) {
            sums[ch] += *input++;
        }
    }

    bias = positions * quant->input_zero_point;
    for (ch = 0; ch < c; ch++) {
        output[ch] = tml_requantize(sums[ch] - bias, multiplier, shift, quant->output_zero_point,
                                    quant->act_min, quant->act_max);
    }
}
