/* Softmax: the twin of Kernels/Softmax.cs. The exp table comes from the caller (see tml_kernels.h). */
#include "tml_kernels.h"

void tml_softmax(int32_t positions, int32_t channels, const int32_t *exp_table, const int8_t *input, int8_t *output)
{
    int32_t p;
    int32_t i;
    for (p = 0; p < positions; p++) {
        const int8_t *in = input + (p * channels);
        int8_t *out = output + (p * channels);
        int32_t max = TML_INT8_MIN;
        /* At most 2048 entries of at most 2^20: the 64-bit sum and e * 512 cannot overflow. */
        int64_t sum = 0;
        for (i = 0; i < channels; i++) {
            max = in[i] > max ? in[i] : max;
        }

        for (i = 0; i < channels; i++) {
            sum += exp_table[max - in[i]];
        }

        for (i = 0; i < channels; i++) {
            /* round(e * 256 / sum) - 128 in integers. */
            int64_t e = exp_table[max - in[i]];
            int32_t v = (int32_t)(((e * 512) + sum) / (2 * sum)) - 128;
            out[i] = (int8_t)(v > TML_INT8_MAX ? TML_INT8_MAX : v);
        }
    }
}
