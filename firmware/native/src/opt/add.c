/*
 * Elementwise Add, optimised paths (tml_path.h): the smaller input's cycle as an inner loop instead of a wrap test
 * per element, and the requantization inlined (tml_requantize_fast). Bit-exact with the reference in ../add.c.
 */
#include "tml_kernels.h"
#include "tml_dot.h"

#if TML_PATH != TML_PATH_REFERENCE

void tml_add(const tml_quant *quant, int32_t count, int32_t cycle, const int8_t *larger, const int8_t *smaller,
             const int32_t *larger_terms, const int32_t *smaller_terms, int32_t output_multiplier,
             int32_t output_shift, int8_t *output)
{
    int32_t out_zp = quant->output_zero_point;
    int32_t act_min = quant->act_min;
    int32_t act_max = quant->act_max;
    int32_t i = 0;
    while (i < count) {
        int32_t n = count - i < cycle ? count - i : cycle;
        int32_t j;
        for (j = 0; j < n; j++) {
            uint32_t sum = (uint32_t)larger_terms[larger[i + j] + 128] + (uint32_t)smaller_terms[smaller[j] + 128];
            output[i + j] = tml_requantize_fast((int32_t)sum, output_multiplier, output_shift, out_zp, act_min, act_max);
        }

        i += n;
    }
}

#endif
